import { DeliveryError } from './delivery-error.js'
import { readSoapFault, type SoapFaultInfo } from './soap-fault.js'
import { classifyTransportFailure, type ExchangeState } from './transport-failure.js'

/**
 * Turns a failed node-soap call into a DeliveryError (DESIGN §7, issue 3). A SOAP fault is
 * permanent only when it refuses this message: a `Client`/`Sender` fault, or a fault carrying
 * the contract's `businessCode`. A `Server`/`Receiver` fault is always retried, business code
 * or not; a fault about credentials or the SOAP protocol is retried as `soap-config` (ops'
 * to fix, as `sftp-config` for SFTP; the retry window bounds it). Without a fault the HTTP
 * status decides as for REST; without an answer, or with one cut off after its status line, it
 * is a network, timeout or abort failure.
 * Messages carry codes and statuses only, never `faultstring` or the body: both may echo the
 * person's name or ID number.
 */
export function classifySoapFailure (err: unknown, state: ExchangeState): DeliveryError {
  if (state.aborted) return classifyTransportFailure(err, state)
  const status = httpStatusOf(err)
  const fault = readSoapFault(err)
  if (fault !== undefined) return faultError(fault, status)
  if (status === undefined) return classifyTransportFailure(err, state)
  if (cutOff(err)) {
    // The status line came, the body never did whole: a broken connection, not an answer that
    // is no SOAP, whatever the status (a cut 500 may hold a business fault). The department may
    // well have taken the notice; the retry, a duplicate to it, reads the whole answer.
    return new DeliveryError(`网络错误：应答中途断开（HTTP ${status}）`, true, 'network', status)
  }
  return httpError(status)
}

/**
 * The connection broke while the answer's body was arriving (reset or closed early): axios
 * rejects with the response whose `data` it never set. A complete answer that is not SOAP
 * (a gateway's page, an empty body) has its text in `data`.
 */
function cutOff (err: unknown): boolean {
  const e = err as { response?: { data?: unknown } } | null
  return e?.response !== undefined && e.response.data === undefined
}

function faultError (fault: SoapFaultInfo, status: number | undefined): DeliveryError {
  const code = fault.faultCode ?? '（无效）'
  const businessCode = fault.businessCode ?? '（无效）'
  switch (fault.kind) {
    case 'security':
      return new DeliveryError(`部门拒绝了枢纽的 WS-Security 身份认证（SOAP Fault ${code}），请运维核对用户名、密码与认证方式`, true, 'soap-config', status)
    case 'protocol':
      return new DeliveryError(`部门不接受枢纽的 SOAP 协议或消息头（SOAP Fault ${code}），请运维核对 WSDL 与接口配置`, true, 'soap-config', status)
    case 'server':
      return new DeliveryError(`部门服务端故障（SOAP Fault ${code}${fault.hasBusinessCode ? `，业务代码 ${businessCode}` : ''}）`, true, 'soap-server', status)
    case 'client':
    case 'unknown':
      if (fault.hasBusinessCode) {
        return new DeliveryError(`部门拒收（SOAP Fault ${code}），业务代码 ${businessCode}`, false, 'soap-business', status)
      }
      if (fault.kind === 'client') return new DeliveryError(`部门拒收请求（SOAP Fault ${code}）`, false, 'soap-client', status)
      // No standard code and no business code: nothing says the message itself is wrong.
      return new DeliveryError(`部门服务端故障（SOAP Fault ${code}）`, true, 'soap-server', status)
  }
}

function httpError (status: number): DeliveryError {
  if (status >= 200 && status < 300) {
    // A proxy's page or a truncated envelope: the service may answer properly next time.
    return new DeliveryError(`部门接口返回 HTTP ${status}，但应答不是可解析的 SOAP 消息`, true, 'soap-response', status)
  }
  if (status === 408 || status === 429) {
    return new DeliveryError(`部门接口返回 HTTP ${status}`, true, `http-${status}`, status)
  }
  if (status >= 500) return new DeliveryError(`部门接口返回 HTTP ${status}`, true, 'http-5xx', status)
  if (status >= 300 && status < 400) {
    return new DeliveryError(`部门接口返回 HTTP ${status}（重定向不跟随）`, false, 'http-3xx', status)
  }
  if (status >= 400) return new DeliveryError(`部门接口返回 HTTP ${status}`, false, 'http-4xx', status)
  return new DeliveryError(`部门接口返回异常状态 HTTP ${status}`, true, 'http-other', status)
}

function httpStatusOf (err: unknown): number | undefined {
  const status = (err as { response?: { status?: unknown } } | null)?.response?.status
  return typeof status === 'number' ? status : undefined
}
