using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit;

namespace FlowGen.Generators.Tests.Generator;

/// <summary>
/// Runs a piece of generator work with a time bound, on a thread with a 1 MB stack (the compiler may run generators on
/// such threads, on Windows): a hang fails the test with the case's name instead of hanging the run, and a recursion
/// that a 1 MB stack cannot hold shows here rather than in a user's IDE. The bound catches hangs and blow-ups; it is not
/// a performance assertion (benchmarks/ measures time). On Linux it counts the CPU time of the generator's own thread,
/// so that other test projects running at the same time on a busy machine do not make it fail; the wall clock still
/// stops a run that takes six times the bound.
/// </summary>
internal static class Bounded
{
    public static T Run<T>(string what, Func<T> action, TimeSpan limit)
    {
        T result = default!;
        Exception? failure = null;
        TimeSpan? cpu = null;
        var thread = new Thread(() =>
        {
            var before = ThreadCpu();
            try { result = action(); }
            catch (Exception ex) { failure = ex; }
            if (before is { } start && ThreadCpu() is { } end) cpu = end - start;
        }, maxStackSize: 1024 * 1024) { IsBackground = true, Name = "bounded: " + what };
        var watch = Stopwatch.StartNew();
        thread.Start();
        // A thread past the bound is left running (a thread cannot be stopped); the test fails at once.
        var finished = thread.Join(cpu is null && !OperatingSystem.IsLinux() ? limit : limit * 6);
        watch.Stop();
        var spent = cpu ?? watch.Elapsed;
        Assert.True(finished && spent <= limit,
            $"{what}: the generator ran more than {limit.TotalSeconds:0} s ({(cpu is null ? "wall clock" : "thread CPU time")}: {(finished ? spent.TotalSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s" : "not finished")})");
        if (failure is not null) throw new Xunit.Sdk.XunitException($"{what}: {failure}");
        return result;
    }

    /// <summary>The CPU time the calling thread has used (Linux: /proc/thread-self/stat), or null where it cannot be read.</summary>
    internal static TimeSpan? ThreadCpu()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            // Fields after the command (which is in parentheses and may hold spaces): utime and stime are the 12th and
            // 13th, in clock ticks.
            var stat = File.ReadAllText("/proc/thread-self/stat");
            var fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / (double)ClockTicksPerSecond);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    // sysconf(_SC_CLK_TCK) is 100 on every Linux the tests run on.
    private const int ClockTicksPerSecond = 100;
}
