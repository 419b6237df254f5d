using System.Diagnostics;
using System.Reflection;
using Xunit;

namespace FlowGen.Tests.Durable;

/// <summary>
/// Crash safety with a real child process (tests/FlowGen.CrashHost) on a SQLite file: it is killed between steps,
/// started again on the same file, and the source delivers again every event (the unacknowledged ones, and the
/// acknowledged ones as duplicates). Every instance ends as if nothing had happened: no event lost, none applied twice.
/// </summary>
public sealed class CrashTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("flowgen-crash-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string HostPath()
    {
        // The build writes the crash host's path into this assembly (FlowGen.Tests.csproj, target FlowGenCrashHostPath),
        // after building it in the same configuration.
        var path = typeof(CrashTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "FlowGen.CrashHost")?.Value;
        Assert.False(string.IsNullOrEmpty(path), "this test assembly does not name the crash host (FlowGen.Tests.csproj builds tests/FlowGen.CrashHost and names it)");
        Assert.True(File.Exists(path), $"the crash host is not built: {path} (build tests/FlowGen.Tests, which builds it)");
        return path;
    }

    private sealed class Child : IDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];
        private readonly SemaphoreSlim _changed = new(0);

        public Child(string database, int? crashAfterStep = null)
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            start.ArgumentList.Add(HostPath());
            start.ArgumentList.Add(database);
            if (crashAfterStep is { } n) start.ArgumentList.Add(n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (_lines) _lines.Add(e.Data);
                _changed.Release();
            };
            _process.BeginOutputReadLine();
        }

        public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

        public void Send(string line)
        {
            try
            {
                _process.StandardInput.WriteLine(line);
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                // Killed: the source keeps what was not acknowledged.
            }
        }

        public async Task<string> WaitFor(Func<string, bool> match)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                if (Lines.FirstOrDefault(match) is { } found) return found;
                Assert.True(DateTime.UtcNow < deadline, "the child did not answer in 60 s; it printed:\n" + string.Join("\n", Lines));
                Assert.False(_process.HasExited && !Lines.Any(match), "the child exited; it printed:\n" + string.Join("\n", Lines));
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(200));
            }
        }

        public bool HasExited => _process.HasExited;

        public void WaitForExit() => _process.WaitForExit();

        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited) Kill();
            _process.Dispose();
        }
    }

    private static int Steps(Child child) => child.Lines.Where(l => l.StartsWith("step ", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[1])).DefaultIfEmpty(0).Max();

    /// <summary>Six users; each views four products (the campaign counts them), and two of them then order.</summary>
    private static List<(string Command, string Id)> Events()
    {
        var events = new List<(string, string)>();
        for (var round = 1; round <= 4; round++)
            for (var user = 0; user < 6; user++)
                events.Add(($"view u{user} p{round} v-{user}-{round}", $"v-{user}-{round}"));
        events.Add(("order u0 10 o-0", "o-0"));
        events.Add(("order u1 25 o-1", "o-1"));
        return events;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(11)]
    [InlineData(20)]
    public async Task A_process_killed_between_steps_continues_from_its_last_committed_state_without_losing_or_repeating_events(int killAfterStep)
    {
        var database = Path.Combine(_folder, "flows.db");
        var events = Events();
        var acknowledged = new HashSet<string>();
        var firstOutput = "";

        using (var first = new Child(database, crashAfterStep: killAfterStep))
        {
            await first.WaitFor(l => l == "ready");
            // As a source does: the next event once the last one is acknowledged, until the process dies. It kills
            // itself right after committing its N-th step, so events are applied, committed only, or not sent yet.
            foreach (var (command, id) in events)
            {
                first.Send(command);
                try
                {
                    await first.WaitFor(l => l.StartsWith($"ack {id} ", StringComparison.Ordinal));
                }
                catch (Exception) when (first.HasExited)
                {
                    break;
                }
                if (first.HasExited) break;
            }
            first.WaitForExit();
            foreach (var line in first.Lines.Where(l => l.StartsWith("ack ", StringComparison.Ordinal))) acknowledged.Add(line.Split(' ')[1]);
            // It died right after its N-th step (another mailbox may have committed one more before the kill landed).
            Assert.True(Steps(first) >= killAfterStep, $"the child died after {Steps(first)} steps:\n" + string.Join("\n", first.Lines));
            firstOutput = string.Join("\n", first.Lines);
        }

        using var second = new Child(database);
        await second.WaitFor(l => l == "ready");
        // The source delivers every event again: the acknowledged ones are duplicates, the others new.
        foreach (var (command, _) in events) second.Send(command);
        second.Send("drain");
        await second.WaitFor(l => l == "drained");
        for (var user = 0; user < 6; user++) second.Send($"state u{user}");
        second.Send("counters");
        var counters = (await second.WaitFor(l => l.StartsWith("counters ", StringComparison.Ordinal))).Split(' ');

        for (var user = 0; user < 6; user++)
        {
            var state = await second.WaitFor(l => l.StartsWith($"state u{user} ", StringComparison.Ordinal));
            var expected = user < 2 ? "Completed" : "Waiting";
            Assert.True($"state u{user} {expected} 4" == state,
                $"expected 'state u{user} {expected} 4', got '{state}'\n-- first process:\n{firstOutput}\n-- second process:\n{string.Join("\n", second.Lines)}");
        }
        // Every event acknowledged before the kill came again as a duplicate and was detected as one.
        var duplicateAcks = second.Lines.Where(l => l.StartsWith("ack ", StringComparison.Ordinal) && l.EndsWith(" Duplicate", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToHashSet();
        // (An event committed just before the kill, whose ack the first process never printed, is a duplicate too.)
        Assert.True(acknowledged.IsSubsetOf(duplicateAcks), $"acknowledged {string.Join(",", acknowledged)}; duplicates {string.Join(",", duplicateAcks)}");
        Assert.Equal(long.Parse(counters[2]), duplicateAcks.Count);
        Assert.DoesNotContain(second.Lines, l => l.StartsWith("error ", StringComparison.Ordinal));
    }
}
