using System.ComponentModel;

namespace FlowGen;

/// <summary>
/// A subprocess that runs in a scope of its own: its <c>timeout</c> limits the whole subprocess, and with
/// <c>strict-mode=false</c> its failure is recorded and the caller goes on (Kstry's non-strict subprocess).
/// </summary>
/// <param name="EntryNode">The subprocess node (index into the flow's nodes).</param>
/// <param name="Parent">The enclosing scope, or -1.</param>
/// <param name="TimeoutMilliseconds">The subprocess's timeout, or 0.</param>
/// <param name="IgnoreFailure">strict-mode=false: a failure inside ends the subprocess, not the run.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record FlowScope(int EntryNode, int Parent, int TimeoutMilliseconds, bool IgnoreFailure);
