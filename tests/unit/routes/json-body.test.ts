import { describe, expect, it } from 'vitest'
import { declaresUtf8 } from '../../../src/routes/json-body.js'

describe('declaresUtf8', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'application/json; charset="utf-8"',
    'application/json; charset=utf8',
    'application/json; CHARSET=Utf8 ;',
    `application/json;${' '.repeat(20_000)}charset=utf-8`
  ])('takes %j as UTF-8', (type) => {
    expect(declaresUtf8(type)).toBe(true)
  })

  it.each([
    'application/json; charset=gbk',
    'application/json; charset=utf-16',
    'application/json; charset=',
    'application/json; charset=utf-8; charset=utf-8',
    'application/json; charset=utf-8; charset=gbk',
    'application/json; boundary=x',
    'application/json; utf-8',
    `application/json;${' '.repeat(20_000)};a=b`
  ])('refuses %j', (type) => {
    expect(declaresUtf8(type)).toBe(false)
  })
})
