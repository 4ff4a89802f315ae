using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Recur;

// Usage: CheckpointCrash DIR FILE
// Saves checkpoint 1 (step 1) into DIR, then changes every weight and starts checkpoint 2 (step 2); when the file named FILE has been
// written it prints "paused after FILE" and waits forever, for the test to kill it. FILE "none" lets checkpoint 2 finish.
var (dir, pauseAfter) = (args[0], args[1]);
using var device = Device.Cpu(1);
using var model = new CharModel(device, new CharModelConfig("Lstm", 9, 4, 8, 1, 0f), seed: 1);
TrainingState State(int step) => new(new TrainingSettings("adam", 1e-3, 0, 5, Schedule.Constant(), 1), step, 0, step, 7, 1.5, new List<LossPoint>());
var extra = new[] { new SafeTensors.Entry("state.layers.0.H", new[] { 2, 8 }, new float[16]) };
Checkpoint.Save(dir, model, null, State(1), extra);
Console.WriteLine("saved 1");
foreach (var p in model.Parameters) p.Parameter.Write(((float[])p.Parameter.Read()).Select(v => v + 1).ToArray());
Checkpoint.Save(dir, model, null, State(2), extra, written: file =>
{
    if (file != pauseAfter) return;
    Console.WriteLine("paused after " + file);
    Console.Out.Flush();
    Thread.Sleep(Timeout.Infinite);
});
Console.WriteLine("saved 2");
