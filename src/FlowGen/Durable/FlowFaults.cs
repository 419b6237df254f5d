namespace FlowGen.Durable;

/// <summary>
/// An engine operation met a persisted instance it cannot work with: its row cannot be read
/// (<see cref="FlowErrorCodes.InstanceUnreadable"/>), its saved state cannot be read
/// (<see cref="FlowErrorCodes.StateUnreadable"/>), or it belongs to a flow no registered build runs
/// (<see cref="FlowErrorCodes.UnknownFlow"/>). <see cref="Error"/> holds the code and a message naming the instance.
/// </summary>
public sealed class FlowInstanceFaultException(FlowError error, FlowInstance? instance = null, Exception? inner = null)
    : InvalidOperationException(error.ToString(), inner ?? error.Exception)
{
    /// <summary>The error, with its code (<see cref="FlowErrorCodes"/>).</summary>
    public FlowError Error { get; } = error;

    /// <summary>The error's code.</summary>
    public string Code => Error.Code;

    /// <summary>The instance as far as it could be read (its id, flow, key and the columns that could be read), or null.</summary>
    public FlowInstance? Instance { get; } = instance;
}

/// <summary>
/// A durable flow store cannot be used: its data is damaged (<see cref="FlowErrorCodes.StoreDamaged"/>) or it cannot be
/// opened or reached (<see cref="FlowErrorCodes.StoreUnavailable"/>). The message names the store's file, or its host,
/// database and schema (never a password).
/// </summary>
public sealed class FlowStoreException(string code, string location, string message, Exception? inner = null)
    : Exception($"{code}: {message}", inner)
{
    /// <summary><see cref="FlowErrorCodes.StoreDamaged"/> or <see cref="FlowErrorCodes.StoreUnavailable"/>.</summary>
    public string Code { get; } = code;

    /// <summary>The store's file, or its host, database and schema.</summary>
    public string Location { get; } = location;
}

/// <summary>
/// An event the engine did not apply because the instance of its flow and key cannot take it safely: the instance's
/// row cannot be read or has an unknown status, or the key has an unfinished instance of a flow no registered build
/// runs (or the instance it would start has a state that cannot be written). Applying it, or starting a new instance
/// over the old one, could lose that instance; the event is kept
/// instead (on a durable store it stays pending in the inbox, so a restart routes it again), counted
/// (<see cref="FlowEngineCounters.Parked"/>), reported (<see cref="FlowEngineOptions.OnParked"/>) and listed
/// (<see cref="FlowEngine.ParkedEvents"/>). <see cref="FlowEngine.ResumeAsync"/> or <see cref="FlowEngine.CancelAsync"/> of
/// the instance in the way delivers it again.
/// </summary>
/// <param name="Event">The event (with its inbox sequence).</param>
/// <param name="FlowId">The flow it was routed to.</param>
/// <param name="Key">Its correlation key for that flow.</param>
/// <param name="InstanceId">The instance in the way, or null when the event would have started an instance whose state cannot be written.</param>
/// <param name="Error">Why: <see cref="FlowErrorCodes.InstanceUnreadable"/>, <see cref="FlowErrorCodes.UnknownFlow"/> or <see cref="FlowErrorCodes.StateUnreadable"/>, with a message naming the instance.</param>
/// <param name="Time">When it was parked (on the engine's clock).</param>
public sealed record FlowParkedEvent(FlowEvent Event, string FlowId, string Key, string? InstanceId, FlowError Error, DateTimeOffset Time)
{
    /// <inheritdoc />
    public override string ToString() => $"event {Event} for {FlowId}/{Key} parked: {Error.Code}: {Error.Message}";
}
