import { describe, expect, it } from 'vitest'
import type { TargetConfig } from '../../../src/config/schema.js'
import { routeRecord } from '../../../src/domain/routing.js'

function target (code: string, patch: Partial<TargetConfig> = {}): TargetConfig {
  return {
    code, department: 'gongan', name: code, enabled: true, transport: 'rest', events: ['notice.created'],
    mapping: 'gongan-rest-v1', concurrency: 1, holdMinutes: 0, requireCorroboration: false, ...patch
  } as TargetConfig
}

const rongjiawan = target('gongan-rongjiawan', { route: { policeStations: ['430621001'], default: false } })
const xinqiang = target('gongan-xinqiang', { route: { policeStations: ['430621002', '430621003'], default: false } })
const countyDesk = target('gongan-county', { route: { default: true } })
const yibao = target('yibao', { department: 'yibao', mapping: 'yibao-rest-v1' })
const targets = [rongjiawan, xinqiang, countyDesk, yibao]
const codes = (station?: string): string[] => routeRecord(targets, 'notice.created', { policeStation: station }).map(t => t.code)

describe('routing a record to its department targets', () => {
  it('sends 公安 notices to the 派出所 that holds the household register, and unrouted departments get every record', () => {
    expect(codes('430621001')).toEqual(['gongan-rongjiawan', 'yibao'])
    expect(codes('430621003')).toEqual(['gongan-xinqiang', 'yibao'])
  })

  it('sends a record without a police station, or with one no target lists, to the default target', () => {
    expect(codes(undefined)).toEqual(['gongan-county', 'yibao'])
    expect(codes('110105001')).toEqual(['gongan-county', 'yibao'])
  })

  it('never routes to a disabled target or one that does not take the event', () => {
    const off = { ...rongjiawan, enabled: false }
    expect(routeRecord([off, countyDesk], 'notice.created', { policeStation: '430621001' }).map(t => t.code)).toEqual(['gongan-county'])
    expect(routeRecord(targets, 'notice.voided', { policeStation: '430621001' })).toEqual([])
  })
})
