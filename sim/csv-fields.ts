/**
 * One line of a CSV file the hub wrote, split into fields as a department's reader would:
 * quoted fields may hold commas, and doubled quotes stand for one. (Line ends are the caller's.)
 * @see RFC 4180 §2
 */
export function csvFields (line: string): string[] {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { field += '"'; i++ } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') { fields.push(field); field = '' } else field += ch
  }
  fields.push(field)
  return fields
}
