import { describeConformance } from './adapter-conformance.js'
import { sftpHarness } from './harnesses/sftp.js'

describeConformance(sftpHarness())
