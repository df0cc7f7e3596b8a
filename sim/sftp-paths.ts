import { join } from 'node:path'

/** A remote path that would leave the simulator's root folder (`/../x`, `a/../../x`). */
export class OutsideRootError extends Error {
  constructor () {
    super('路径超出部门目录范围')
    this.name = 'OutsideRootError'
  }
}

/**
 * The remote path as the client sees it, normalised: `/` is the department's root folder and
 * relative paths start there (the simulator's working directory is `/`). A `..` that would climb
 * above `/` is refused rather than clamped, so a client bug shows up instead of silently
 * writing somewhere else.
 * @throws OutsideRootError
 */
export function remotePath (path: string): string {
  const parts: string[] = []
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.pop() === undefined) throw new OutsideRootError()
      continue
    }
    parts.push(part)
  }
  return `/${parts.join('/')}`
}

/**
 * The local file for a remote path, always inside `root`. The simulator offers no SYMLINK,
 * so a client cannot plant a link that points out of `root` either.
 * @throws OutsideRootError
 */
export function localPath (root: string, path: string): string {
  return join(root, ...remotePath(path).split('/'))
}
