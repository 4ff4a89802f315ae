using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Recur.Tests;

/// <summary>Data-parallel training over Open MPI, with real ranks: <c>mpirun --oversubscribe -np 2</c> on this 2-core machine, each
/// rank the CharRnn example with one thread. Skipped, with the line that installs it, where Open MPI is missing (.ci/run installs it).</summary>
[Trait(Slow.Category, Slow.Name)]
public class DistributedTests : IDisposable
{
    private const string Install = "Open MPI is not installed: sudo apt-get install -y openmpi-bin libopenmpi-dev (.ci/run does it)";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "recur-mpi-" + Guid.NewGuid().ToString("N")[..8]);

    public DistributedTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static bool MpirunAvailable =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "mpirun")));

    /// <summary>A small model, no dropout (each rank would draw masks for other rows), a loss point per step, one thread per rank.</summary>
    private static readonly string[] Model =
    {
        "--hidden", "32", "--embed", "16", "--layers", "2", "--seq", "20", "--batch", "8", "--dropout", "0", "--threads", "1",
        "--log-every", "1", "--length", "8", "--checkpoint-minutes", "0",
    };

    /// <summary>The model's options, with any of them given again in <paramref name="extra"/> or <paramref name="args"/> replaced.</summary>
    private static string[] With(string[] extra, params string[] args)
    {
        var given = extra.Concat(args).Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToHashSet();
        var kept = new List<string>();
        for (int i = 0; i < Model.Length; i += 2)
            if (!given.Contains(Model[i])) kept.AddRange(Model[i..(i + 2)]);
        return kept.Concat(extra).Concat(args).ToArray();
    }

    [SkippableFact]
    public void Two_ranks_with_half_the_batch_each_train_as_one_process_with_the_whole_batch_and_stay_identical()
    {
        Skip.IfNot(MpirunAvailable, Install);
        string one = Path.Combine(_dir, "one"), two = Path.Combine(_dir, "two");
        using (var single = new ChildProcess("CharRnn", With(new[] { "--steps", "20", "--out", one })))
            Assert.True(single.WaitForExit(300) == 0, single.Output);
        // Every step the ranks check their weights are bit-identical (--verify-replicas): a difference ends the run with an error.
        using (var ranks = ChildProcess.Mpirun(2, "CharRnn", With(new[] { "--steps", "20", "--out", two, "--distributed", "--verify-replicas" })))
        {
            Assert.True(ranks.WaitForExit(300) == 0, ranks.Output);
            Assert.Contains("Data-parallel over 2 ranks", ranks.Output);
        }

        var a = Checkpoint.Open(one);
        var b = Checkpoint.Open(two);
        Assert.Equal(2, b.Training!.WorldSize);
        var lossesA = a.Training!.History.Select(p => p.TrainLoss).ToArray();
        var lossesB = b.Training.History.Select(p => p.TrainLoss).ToArray();
        Assert.Equal(lossesA.Length, lossesB.Length);
        for (int i = 0; i < lossesA.Length; i++)
            Assert.True(Math.Abs(lossesA[i] - lossesB[i]) <= 1e-4 * Math.Abs(lossesA[i]), $"step {i + 1}: one process {lossesA[i]:R}, two ranks {lossesB[i]:R}");
        var weightsA = SafeTensors.Read(a.ModelPath).Tensors;
        var weightsB = SafeTensors.Read(b.ModelPath).Tensors;
        Assert.Equal(weightsA.Keys.Order(), weightsB.Keys.Order());
        foreach (var (name, entry) in weightsA)
        {
            var x = entry.AsFloats();
            var y = weightsB[name].AsFloats();
            for (int i = 0; i < x.Length; i++)
                Assert.True(Math.Abs(x[i] - y[i]) <= 1e-4f * Math.Max(1, Math.Abs(x[i])), $"{name}[{i}]: one process {x[i]:R}, two ranks {y[i]:R}");
        }
    }

    [SkippableFact]
    public void A_killed_rank_ends_the_run_within_seconds_naming_the_rank()
    {
        Skip.IfNot(MpirunAvailable, Install);
        using var ranks = ChildProcess.Mpirun(2, "CharRnn", With(new[] { "--steps", "100000", "--out", Path.Combine(_dir, "killed"), "--distributed" }));
        ranks.WaitFor("step 5", 300);
        int pid = int.Parse(Regex.Match(ranks.Output, @"rank 1 of 2: pid (\d+)").Groups[1].Value);
        ChildProcess.Kill(pid, ChildProcess.SigKill);
        var watch = Stopwatch.StartNew();
        int code = ranks.WaitForExit(60);
        Assert.NotEqual(0, code);
        Assert.True(watch.Elapsed.TotalSeconds < 30, $"the run took {watch.Elapsed.TotalSeconds:F0} s to end after rank 1 was killed:\n{ranks.Output}");
        Assert.Matches(@"rank 1\b", ranks.Output[ranks.Output.IndexOf("rank 1 of 2", StringComparison.Ordinal)..].Split('\n', 2)[1]);
    }

    [SkippableFact]
    public void Two_ranks_stopped_and_resumed_continue_exactly_where_they_stopped()
    {
        Skip.IfNot(MpirunAvailable, Install);
        // Dropout on: every rank's own random stream must come back too, and every rank's carried state.
        var dropout = new[] { "--dropout", "0.2" };
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        using (var ranks = ChildProcess.Mpirun(2, "CharRnn", With(new[] { "--steps", "6", "--out", straight, "--distributed" }, dropout)))
            Assert.True(ranks.WaitForExit(300) == 0, ranks.Output);
        using (var ranks = ChildProcess.Mpirun(2, "CharRnn", With(new[] { "--steps", "3", "--out", resumed, "--distributed" }, dropout)))
            Assert.True(ranks.WaitForExit(300) == 0, ranks.Output);
        using (var ranks = ChildProcess.Mpirun(2, "CharRnn", "--resume", resumed, "--steps", "3", "--distributed", "--threads", "1", "--length", "8"))
            Assert.True(ranks.WaitForExit(300) == 0, ranks.Output);
        var a = SafeTensors.Read(Checkpoint.Open(straight).ModelPath).Tensors;
        var b = SafeTensors.Read(Checkpoint.Open(resumed).ModelPath).Tensors;
        foreach (var (name, entry) in a)
            Assert.True(entry.AsFloats().SequenceEqual(b[name].AsFloats()), $"{name} differs between the straight and the resumed run");
    }

    [SkippableFact]
    public void Starting_without_an_mpi_launcher_says_how_to_launch()
    {
        Skip.If(DataParallel.Launched, "this test process was itself started by mpirun, so an MPI launcher is present");
        var e = Assert.Throws<InvalidOperationException>(() => DataParallel.Start(TestDevices.Cpu));
        Assert.Contains("mpirun -np 2", e.Message);
    }

    [SkippableFact]
    public void A_machine_without_nccl_is_told_what_to_install()
    {
        Skip.If(System.Runtime.InteropServices.NativeLibrary.TryLoad("libnccl.so.2", out _), "NCCL is installed here");
        var e = Assert.Throws<InvalidOperationException>(() => Nccl.LoadLibrary());
        Assert.Contains("libnccl.so.2", e.Message);
        Assert.Contains("Install it", e.Message);
    }

    [Fact]
    public void A_batch_that_does_not_split_over_the_ranks_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new Shard(1, 3).Rows(32));
        Assert.Contains("32 rows does not split evenly over 3 ranks", e.Message);
        Assert.Equal((8, 8), new Shard(1, 4).Rows(32));
    }

    [SkippableFact]
    public void Resuming_with_another_world_size_is_a_clear_error()
    {
        Skip.IfNot(MpirunAvailable, Install);
        string dir = Path.Combine(_dir, "resume");
        using (var ranks = ChildProcess.Mpirun(2, "CharRnn", With(new[] { "--steps", "3", "--out", dir, "--distributed" })))
            Assert.True(ranks.WaitForExit(300) == 0, ranks.Output);
        using var single = new ChildProcess("CharRnn", "--resume", dir, "--steps", "2", "--threads", "1");
        Assert.Equal(2, single.WaitForExit(120));
        Assert.Contains("written by 2 data-parallel rank(s) and this run has 1", single.Output);
        Assert.Contains("mpirun -np 2", single.Output);
    }
}
