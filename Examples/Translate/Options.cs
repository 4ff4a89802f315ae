using System;
using System.Collections.Generic;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.IO;
using System.Linq;
using Recur;
using static Recur.Examples.CommandLine;

namespace Recur.Examples.Translate;

/// <summary>What a run was asked to do, after parsing and checking.</summary>
internal sealed record Settings
{
    public string Cell { get; init; } = "Gru";
    public string Attention { get; init; } = "bahdanau";
    public int Layers { get; init; }
    public int Hidden { get; init; }
    public int EncoderHidden { get; init; }
    public int Embed { get; init; }
    public bool Bidirectional { get; init; }
    public double Dropout { get; init; }
    public double StateAveraging { get; init; }
    public int Batch { get; init; }
    public double Lr { get; init; }
    public double Clip { get; init; }
    public double LabelSmoothing { get; init; }
    public SamplingSchedule Sampling { get; init; } = SamplingSchedule.None;
    public double? Minutes { get; init; }
    public int? Steps { get; init; }
    public double CheckpointMinutes { get; init; }
    public string Device { get; init; } = "cpu";
    public string? Data { get; init; }
    public double ValidationFraction { get; init; }
    public string Out { get; init; } = "";
    public string? ResumeDir { get; init; }
    public string? TranslateFile { get; init; }
    public string? Output { get; init; }
    public int Beam { get; init; }
    public double Alpha { get; init; }
    public double Beta { get; init; }
    public double Mmi { get; init; }
    public int BleuSentences { get; init; }
    public int Seed { get; init; }
    public bool Distributed { get; init; }
    public int Threads { get; init; }
    public int Curriculum { get; init; }
    public Schedule Schedule { get; init; } = Schedule.Constant();
    public bool Score { get; init; }
    public int Bpe { get; init; }
    public int MinCount { get; init; }
    public int AverageLast { get; init; }
    public int AverageEvery { get; init; }
    public bool LoadAhead { get; init; } = true;
    public IReadOnlySet<string> GivenOptions { get; init; } = new HashSet<string>();
    public bool Given(string option) => GivenOptions.Contains(option);

    public BeamOptions? BeamOptions => Beam > 1 || Mmi > 0 ? new BeamOptions(Beam, Alpha, Beta) : null;
}

/// <summary>The translator's options as System.CommandLine options, each with its default, allowed values and a check whose message
/// names the option.</summary>
internal sealed class Options
{
    private readonly Option<string> _cell = Choice("--cell", "recurrent cell of encoder and decoder", "Gru", new[] { "Gru", "Lstm" }, ignoreCase: true);
    private readonly Option<string> _attention = Choice("--attention", "the decoder's attention", "bahdanau", CellCatalog.Attentions.ToArray(), ignoreCase: true);
    private readonly Option<int> _layers = Whole("--layers", "layers of encoder and of decoder", 1);
    private readonly Option<int> _hidden = Whole("--hidden", "decoder hidden size", 512);
    private readonly Option<int> _encoderHidden = Whole("--encoder-hidden", "encoder hidden size per direction", 256);
    private readonly Option<int> _embed = Whole("--embed", "word embedding size", 256);
    private readonly Option<bool> _bidirectional = new("--bidirectional") { Description = "bidirectional encoder (default true; --bidirectional false for one direction)", DefaultValueFactory = _ => true };
    private readonly Option<double> _dropout = Number("--dropout", "dropout on embeddings, between layers and before the output", 0.2, v => v >= 0 && v < 1, "a number in [0, 1)");
    private readonly Option<double> _averaging = Number("--state-averaging", "influence α of the mean of the decoder's states so far (0: off)", 0, v => v >= 0 && v <= 1, "a number in [0, 1]");
    private readonly Option<int> _batch = Whole("--batch", "sentence pairs per batch", 64);
    private readonly Option<double> _lr = Number("--lr", "Adam's learning rate", 1e-3, v => v > 0, "a positive number");
    private readonly Option<double> _clip = Number("--clip", "global gradient-norm clip (0: off)", 5, v => v >= 0, "0 (off) or a positive number");
    private readonly Option<double> _smoothing = Number("--label-smoothing", "label smoothing of the cross-entropy", 0.1, v => v >= 0 && v < 1, "a number in [0, 1)");
    private readonly Option<string> _sampling = new("--scheduled-sampling")
    {
        Description = "scheduled sampling: none, linear:K:C[:min], exponential:K[:min] or sigmoid:K[:min] (default none)",
        DefaultValueFactory = _ => "none",
        CustomParser = r => Parse<string>(r, "--scheduled-sampling", "none, linear:K:C[:min], exponential:K[:min] or sigmoid:K[:min]",
            (string text, out string v) => { v = text; try { SamplingSchedule.Parse(text); return true; } catch (ArgumentException) { return false; } }),
    };
    private readonly Option<double?> _minutes = Minutes("training budget in minutes (default 10, unless --steps is given)");
    private readonly Option<int?> _steps = Steps();
    private readonly Option<double> _checkpointMinutes = Number("--checkpoint-minutes", "minutes between checkpoints during training (0: only at the end and on Ctrl-C)", 2, v => v >= 0, "a number ≥ 0");
    private readonly Option<string> _device = new("--device") { Description = "cpu, ilgpu-cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
    private readonly Option<string?> _data = new("--data") { Description = "sentence pairs, english<TAB>french per line (default Examples/data/eng-fra-30k.tsv)" };
    private readonly Option<double> _validation = Number("--validation", "fraction of distinct English sentences held out (the last in the file)", 0.05, v => v > 0 && v < 1, "a number in (0, 1)");
    private readonly Option<string> _out = new("--out") { Description = "checkpoint folder (written by training, read by --translate)", DefaultValueFactory = _ => Path.Combine("checkpoints", "translate") };
    private readonly Option<string?> _resume = new("--resume") { Description = "continue training from a checkpoint folder" };
    private readonly Option<string?> _translate = new("--translate") { Description = "translate this file (one English sentence per line, or english<TAB>french lines: the first column) with the checkpoint in --out, instead of training" };
    private readonly Option<string?> _output = new("--output") { Description = "write --translate's translations here instead of standard output" };
    private readonly Option<int> _beam = Whole("--beam", "beam width (1: greedy)", 5);
    private readonly Option<double> _alpha = Number("--alpha", "GNMT length-normalisation α of beam search", 0.6, v => v >= 0, "a number ≥ 0");
    private readonly Option<double> _beta = Number("--beta", "GNMT coverage penalty β of beam search", 0, v => v >= 0, "a number ≥ 0");
    private readonly Option<double> _mmi = Number("--mmi", "MMI-antiLM reranking weight λ of a target-side bigram model over the beam's n-best list (0: off)", 0, v => v >= 0, "a number ≥ 0");
    private readonly Option<int> _bleuSentences = Whole("--bleu-sentences", "validation sentences BLEU is measured on (0: all)", 0, min: 0);
    private readonly Option<int> _seed = Whole("--seed", "random seed", 1, min: 0);
    private readonly Option<bool> _distributed = new("--distributed")
    {
        Description = "data-parallel training over MPI: start the ranks with mpirun -np N; --batch is the global batch, each rank trains its share",
    };
    private readonly Option<int> _threads = Whole("--threads", "threads of the CPU device (0: the cores, divided among the ranks on this machine)", 0, min: 0);
    private readonly Option<bool> _score = new("--score") { Description = "score the checkpoint in --out (validation BLEU, greedy and beam) instead of training" };
    private readonly Option<int> _bpe = Whole("--bpe", "byte-pair merges learned per language: subword units instead of words (0: words)", 4000, min: 0);
    private readonly Option<int> _minCount = Whole("--min-count", "units seen fewer times in training read as <unk>", 2);
    private readonly ScheduleOptions _schedule = new();
    private readonly Option<int> _average = Whole("--average", "end with the mean of the weights at the last N snapshots, one every --average-every steps and the final one (0: the last weights)", 4, min: 0);
    private readonly Option<int> _averageEvery = Whole("--average-every", "steps between the snapshots --average takes the mean of", 400);
    private readonly Option<int> _curriculum = CurriculumSteps("the shortest sentence pairs");
    private readonly Option<bool> _loadAhead = LoadAhead();

    public Options()
    {
        Root = new RootCommand("Trains an English→French attention translator with Recur, scores it with BLEU and translates with it.");
        foreach (var o in new Option[] { _cell, _attention, _layers, _hidden, _encoderHidden, _embed, _bidirectional, _dropout, _averaging, _batch, _lr, _clip,
                     _smoothing, _sampling, _minutes, _steps, _checkpointMinutes, _device, _data, _validation, _out, _resume, _translate, _output, _beam, _alpha,
                     _beta, _mmi, _bleuSentences, _seed, _distributed, _threads, _curriculum, _loadAhead, _score, _bpe, _minCount, _average, _averageEvery })
            Root.Add(o);
        _schedule.AddTo(Root, _steps);
        Root.Validators.Add(r =>
        {
            if (r.GetResult(_resume) is { Implicit: false } && r.GetResult(_translate) is { Implicit: false }) r.AddError("--resume and --translate do not go together.");
            if (r.GetValue(_average) == 1) r.AddError("--average takes the mean of 2 or more snapshots (0: off), not 1.");
            if (r.GetResult(_score) is { Implicit: false } && (r.GetResult(_resume) is { Implicit: false } || r.GetResult(_translate) is { Implicit: false }))
                r.AddError("--score scores the checkpoint in --out; it goes with neither --resume nor --translate.");
            if (r.GetResult(_output) is { Implicit: false } && r.GetResult(_translate) is null or { Implicit: true }) r.AddError("--output is where --translate writes; give --translate FILE.");
        });
    }

    public RootCommand Root { get; }

    public Settings Read(ParseResult p)
    {
        var resume = p.GetValue(_resume);
        return new Settings
        {
            Cell = p.GetValue(_cell)!, Attention = p.GetValue(_attention)!, Layers = p.GetValue(_layers), Hidden = p.GetValue(_hidden),
            EncoderHidden = p.GetValue(_encoderHidden), Embed = p.GetValue(_embed), Bidirectional = p.GetValue(_bidirectional),
            Dropout = p.GetValue(_dropout), StateAveraging = p.GetValue(_averaging), Batch = p.GetValue(_batch), Lr = p.GetValue(_lr),
            Clip = p.GetValue(_clip), LabelSmoothing = p.GetValue(_smoothing), Sampling = SamplingSchedule.Parse(p.GetValue(_sampling)!),
            Minutes = p.GetValue(_minutes), Steps = p.GetValue(_steps), CheckpointMinutes = p.GetValue(_checkpointMinutes),
            Device = p.GetValue(_device)!, Data = p.GetValue(_data), ValidationFraction = p.GetValue(_validation),
            Out = resume ?? p.GetValue(_out)!, ResumeDir = resume, TranslateFile = p.GetValue(_translate), Output = p.GetValue(_output),
            Beam = p.GetValue(_beam), Alpha = p.GetValue(_alpha), Beta = p.GetValue(_beta), Mmi = p.GetValue(_mmi),
            BleuSentences = p.GetValue(_bleuSentences), Seed = p.GetValue(_seed),
            Distributed = p.GetValue(_distributed), Curriculum = p.GetValue(_curriculum), Schedule = _schedule.Read(p, p.GetValue(_steps)), Score = p.GetValue(_score), AverageLast = p.GetValue(_average), AverageEvery = p.GetValue(_averageEvery), Bpe = p.GetValue(_bpe), MinCount = p.GetValue(_minCount), LoadAhead = p.GetValue(_loadAhead), Threads = p.GetValue(_threads),
            GivenOptions = Root.Options.Where(o => p.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToHashSet(),
        };
    }
}
