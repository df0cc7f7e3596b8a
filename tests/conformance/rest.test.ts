import { describeConformance } from './adapter-conformance.js'
import { restHarness } from './harnesses/rest.js'

describeConformance(restHarness())
