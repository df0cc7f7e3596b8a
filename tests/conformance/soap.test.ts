import { describeConformance } from './adapter-conformance.js'
import { soapHarness } from './harnesses/soap.js'

describeConformance(soapHarness())
