import { DeliveryError } from './delivery-error.js'
import { readSoapFault, type SoapFaultInfo } from './soap-fault.js'
import { classifyTransportFailure, type ExchangeState } from './transport-failure.js'

/**
 * Turns a failed node-soap call into a DeliveryError (DESIGN §7): a SOAP fault with a business
 * code or blaming the sender is permanent, a receiver fault is retried; without a fault the
 * HTTP status decides as for REST; without an answer it is a network, timeout or abort failure.
 * Messages carry codes and statuses only, never `faultstring` or the body: both may echo the
 * person's name or ID number.
 */
export function classifySoapFailure (err: unknown, state: ExchangeState): DeliveryError {
  if (state.aborted) return classifyTransportFailure(err, state)
  const status = httpStatusOf(err)
  const fault = readSoapFault(err)
  if (fault !== undefined) return faultError(fault, status)
  if (status === undefined) return classifyTransportFailure(err, state)
  return httpError(status)
}

function faultError (fault: SoapFaultInfo, status: number | undefined): DeliveryError {
  const code = fault.faultCode ?? '（无效）'
  if (fault.hasBusinessCode) {
    return new DeliveryError(`部门拒收（SOAP Fault ${code}），业务代码 ${fault.businessCode ?? '（无效）'}`, false, 'soap-business', status)
  }
  if (fault.side === 'client') {
    return new DeliveryError(`部门拒收请求（SOAP Fault ${code}）`, false, 'soap-client', status)
  }
  return new DeliveryError(`部门服务端故障（SOAP Fault ${code}）`, true, 'soap-server', status)
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
