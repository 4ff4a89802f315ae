using System;
using System.Linq;
using Recur;
using Recur.Examples.Tasks;
using Recur.Cells;
using Xunit;

// The attention cell of README's "Sequence to sequence", as written there.
[RnnCell]
public partial class ScaledGeneralGru
{
    [Input] partial Vec<In> X { get; }
    [Memory] partial Seq<Src, Enc> M { get; }
    [State, Output] partial Vec<Hidden> H { get; }

    [Step]
    void Step()
    {
        var a = Softmax(Dot(M, Linear<Enc>(H, bias: false)) * 0.125f);   // qᵀ W m_s / √64 over the row's own positions
        var c = Context(a, M);                                              // Σ_s a_s m_s
        var r = Sigmoid(Linear<Hidden>(X, c) + Linear<Hidden>(H));
        var z = Sigmoid(Linear<Hidden>(X, c) + Linear<Hidden>(H));
        var n = Tanh(Linear<Hidden>(X, c) + r * Linear<Hidden>(H));
        Next(H, (1f - z) * n + z * H);
    }
}

namespace Recur.Tests
{
    /// <summary>README's attention cell: its gradients are exact, and a translator built around it (as README builds it) learns.</summary>
    public class ReadmeAttentionTests
    {
        [Theory]
        [InlineData("cpu")]
        [InlineData("ilgpu-cpu")]
        public void The_readme_attention_cell_matches_finite_differences(string device)
        {
            var d = TestDevices.ByName(device);
            using var layer = new Rnn<ScaledGeneralGru, double>(d, 3, 4, seed: 2);
            using var x = TapeCheck.Random(d, 1, 1, 4, 2, 3);
            using var memory = TapeCheck.Random(d, 2, 1, 2, 3, 5);
            var lengths = new[] { 3, 1 };
            TapeCheck.Check(layer, new[] { x, memory }, (t, v) =>
                TapeCheck.Mse(layer.Forward(new[] { v[0] }, null, null, false, new[] { new SequenceMemory<double>(v[1], lengths) }).Output, 3),
                skip: (name, i) => name == "input 1" && i / 15 == 1 && i % 15 / 5 >= 1);
        }

        [Fact]
        public void A_translator_with_the_readme_cell_learns_to_copy()
        {
            using var device = Device.Cpu();
            var config = new Seq2SeqConfig(SourceVocab: 12, TargetVocab: 12, Embed: 16, EncoderHidden: 16, DecoderHidden: 32, Dropout: 0);
            using var model = new Seq2Seq<float>(device, config, seed: 1,
                decoderLayer: (k, input) => new Rnn<ScaledGeneralGru>(device, input, config.DecoderHidden, seed: k));
            using var adam = new Adam<float>(model, 0.01);
            var rng = new Random(1);
            var pairs = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, rng.Next(2, 6)).Select(_ => rng.Next(Tokens.Specials, 12)).ToArray())
                .Select(s => (s, s.Reverse().ToArray())).ToList();
            var batch = TranslationBatch.Make(pairs);
            double first = 0, last = 0;
            for (int step = 0; step < 150; step++)
            {
                model.ZeroGrad();
                using var tape = new Tape(training: true);
                var logits = model.Decode(tape, model.Encode(tape, batch.Source, batch.SourceSteps, batch.Batch, batch.SourceLengths), batch.TargetInputs, batch.TargetSteps, batch.Batch);
                var loss = Losses.CrossEntropy(Ops.Reshape(logits, batch.TargetSteps * batch.Batch, 12), batch.TargetOutputs, ignoreIndex: -1);
                last = loss.Item();
                if (step == 0) first = last;
                tape.Backward(loss);
                adam.Update();
            }
            Assert.True(last < first / 4, $"loss {first:F3} → {last:F3}");
            var decoded = new Seq2SeqDecoder<float>(model).Greedy(pairs.Take(16).Select(p => p.s).ToList());
            Assert.True(decoded.Zip(pairs, (d, p) => d.SequenceEqual(p.Item2)).Count(ok => ok) >= 12, "fewer than 12 of 16 reversed exactly");
        }
    }
}
