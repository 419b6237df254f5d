namespace FlowGen;

/// <summary>
/// Thrown by a task to fail with an error code of its own (Camunda's <c>BpmnError</c>): the run's <see cref="FlowError"/>
/// then has <see cref="Code"/> as its code and this message, instead of <c>FLOW_TASK_FAILED</c>. An error route that
/// names codes (a BPMN error boundary event with an <c>errorCode</c>, a connection's <c>error: CODE</c>) catches only
/// failures with one of its codes. See docs/error-routes.md.
/// </summary>
public sealed class FlowTaskException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The error's code, such as <c>PAYMENT_DECLINED</c>.</summary>
    public string Code { get; } = code;
}
