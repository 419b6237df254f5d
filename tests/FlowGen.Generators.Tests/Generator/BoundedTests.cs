using System.Diagnostics;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

// The bound the robustness and limits tests rely on must be able to fail: work past it fails the test, with its name.
public sealed class BoundedTests
{
    [Fact]
    public void Work_that_runs_past_the_bound_fails_with_the_case_name()
    {
        var error = Assert.ThrowsAny<Exception>(() => Bounded.Run("spin", () =>
        {
            // Spins for 1.5 s of this thread's CPU time (or wall clock where that cannot be read), whatever else the machine runs.
            var watch = Stopwatch.StartNew();
            var start = Bounded.ThreadCpu();
            var x = 0L;
            while ((start is { } s && Bounded.ThreadCpu() is { } now ? now - s : watch.Elapsed) < TimeSpan.FromSeconds(1.5) && watch.Elapsed < TimeSpan.FromSeconds(30)) x++;
            return x;
        }, TimeSpan.FromSeconds(1)));

        Assert.Contains("spin: the generator ran more than 1 s", error.Message);
    }

    [Fact]
    public void Work_within_the_bound_returns_its_result()
        => Assert.Equal(42, Bounded.Run("quick", () => 42, TimeSpan.FromSeconds(10)));
}
