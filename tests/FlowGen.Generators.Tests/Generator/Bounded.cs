using System.Diagnostics;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>
/// Runs a piece of generator work with a time bound, on a thread with a 1 MB stack (the compiler may run generators on
/// such threads, on Windows): a hang fails the test with the case's name instead of hanging the run, and a recursion
/// that a 1 MB stack cannot hold shows here rather than in a user's IDE. The bound catches hangs; it is not a
/// performance assertion (benchmarks/ measures time).
/// </summary>
internal static class Bounded
{
    public static T Run<T>(string what, Func<T> action, TimeSpan limit)
    {
        T result = default!;
        Exception? failure = null;
        var watch = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            try { result = action(); }
            catch (Exception ex) { failure = ex; }
        }, maxStackSize: 1024 * 1024) { IsBackground = true, Name = "bounded: " + what };
        thread.Start();
        // A thread past the bound is left running (a thread cannot be stopped); the test fails at once.
        var finished = thread.Join(limit);
        watch.Stop();
        Assert.True(finished && watch.Elapsed <= limit, $"{what}: the generator ran more than {limit.TotalSeconds:0} s");
        if (failure is not null) throw new Xunit.Sdk.XunitException($"{what}: {failure}");
        return result;
    }
}
