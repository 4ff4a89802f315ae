using System;
using System.Linq;
using Recur;
using Recur.Cells;
using Xunit;

// The model of README's "A model of your own", as written there.
sealed class Tagger : Part
{
    readonly Embedding<float> _embed;
    readonly Bidirectional<float> _encoder;
    readonly Residual<float> _refine;
    readonly Dense<float> _output;

    public Tagger(Device d, int vocab, int tags) : base(d)
    {
        _embed   = Add("embed",   new Embedding<float>(d, vocab, 64, paddingIndex: 0));
        _encoder = Add("encoder", new Bidirectional<float>(new Rnn<Lstm>(d, 64, 128), new Rnn<Lstm>(d, 64, 128, seed: 1)));
        _refine  = Add("refine",  new Residual<float>(new Rnn<LayerNormLstm>(d, 256, 256)));
        _output  = Add("output",  new Dense<float>(d, tags));
    }

    public Var<float> Loss(Tape tape, int[] ids, int[] tags, int steps, int batch, int[] lengths)
    {
        var x = Ops.Dropout(_embed.Forward(tape, ids, steps, batch), 0.2, locked: true);
        var h = _refine.Forward(_encoder.Forward(x, null, lengths).Output);
        return Losses.CrossEntropy(_output.Forward(h), tags, ignoreIndex: -1);
    }
}

namespace Recur.Tests
{
    /// <summary>README's own model, trained as README trains it, learns a task that needs context.</summary>
    public class ReadmeModelTests
    {
        [Fact]
        public void The_readme_tagger_learns_to_tag_each_word_by_the_one_before()
        {
            var rng = new Random(1);
            const int steps = 8, size = 16, vocab = 20, tagCount = 3;
            (int[] Ids, int[] Tags, int[] Lengths) Batch()
            {
                var lengths = Enumerable.Range(0, size).Select(_ => rng.Next(4, steps + 1)).ToArray();
                var ids = new int[steps * size];
                var tags = new int[steps * size];
                for (int t = 0; t < steps; t++)
                    for (int b = 0; b < size; b++)
                    {
                        bool real = t < lengths[b];
                        ids[t * size + b] = real ? rng.Next(1, vocab) : 0;
                        tags[t * size + b] = !real ? -1 : t == 0 ? 0 : ids[(t - 1) * size + b] % tagCount;
                    }
                return (ids, tags, lengths);
            }

            using var device = Device.Cpu();
            using var model = new Tagger(device, vocab: vocab, tags: tagCount);
            using var adam = new AdamW<float>(model, 1e-3) { WeightDecay = 0.01, ClipNorm = 5 };
            double first = 0, last = 0;
            for (int step = 0; step < 80; step++)
            {
                var batch = Batch();
                model.ZeroGrad();
                using var tape = new Tape(training: true);
                var loss = model.Loss(tape, batch.Ids, batch.Tags, steps, size, batch.Lengths);
                tape.Backward(loss);
                adam.Update();
                if (step == 0) first = loss.Item();
                last = 0.9 * last + 0.1 * loss.Item();
            }
            Assert.True(first > 0.9 && last < 0.35, $"loss {first:F3} at the first step, {last:F3} (smoothed) after 80");
            Assert.Contains("encoder.forward.i.X.weight", model.Summary());
        }
    }
}
