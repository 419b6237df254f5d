using System.ComponentModel;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace FlowGen;

/// <summary>How the wait between retries grows.</summary>
public enum RetryBackoff
{
    /// <summary>The same delay before every retry.</summary>
    Constant,

    /// <summary>The delay times the retry number.</summary>
    Linear,

    /// <summary>The delay doubled for every retry.</summary>
    Exponential,
}

/// <summary>
/// Builds the Polly pipeline of a task's policy (the <c>timeout</c>, <c>retry-times</c>, <c>retry-delay</c> and
/// <c>retry-backoff</c> properties). Generated flows call it once per task, in a static field, so a run pays
/// nothing to build it, and a task without a policy is called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class FlowPolicies
{
    /// <summary>The shortest task timeout Polly accepts.</summary>
    public const int MinimumTimeoutMilliseconds = 10;

    /// <summary>
    /// Kstry's order: each attempt is limited by the timeout, and the retries go around the attempts.
    /// Cancellation of the run itself is never retried.
    /// </summary>
    public static ResiliencePipeline Create(int timeoutMilliseconds, int retries, int retryDelayMilliseconds, RetryBackoff backoff)
    {
        var builder = new ResiliencePipelineBuilder();
        if (retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = retries,
                Delay = TimeSpan.FromMilliseconds(retryDelayMilliseconds),
                BackoffType = backoff switch
                {
                    RetryBackoff.Linear => DelayBackoffType.Linear,
                    RetryBackoff.Exponential => DelayBackoffType.Exponential,
                    _ => DelayBackoffType.Constant,
                },
                UseJitter = false,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } exception and not FlowAbilityException
                    && (exception is not OperationCanceledException || exception is TimeoutRejectedException)),
            });
        }
        // Polly's timeout takes 10 ms to one day; shorter or longer values are brought into that range
        // (the generator warns with FG0602 where the flow file asks for less).
        if (timeoutMilliseconds > 0)
            builder.AddTimeout(TimeSpan.FromMilliseconds(Math.Clamp(timeoutMilliseconds, MinimumTimeoutMilliseconds, 86_400_000)));
        return builder.Build();
    }
}
