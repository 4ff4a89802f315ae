using System;
using System.Collections.Generic;
using System.Linq;
using Recur.Cells;
using Xunit;

namespace Recur.Tests;

public class RnnBehaviourTests
{
    private static Device D => TestDevices.IlgpuCpu;

    [Fact]
    public void A_user_cell_with_its_own_dimension_passes_gradient_checks()
    {
        // Gate's size comes from dims; Rnn takes it by name.
        CheckWithDims(3, 2, 3, 5, new Dictionary<string, int> { ["Gate"] = 4 });
    }

    private static void CheckWithDims(int steps, int batch, int input, int hidden, Dictionary<string, int> dims)
    {
        using var rnn = new Rnn<GatedRelu, double>(D, input, hidden, dims, seed: 3);
        Assert.Equal(2, rnn.Spec.Segments);
        Assert.Equal(4, rnn.Sizes[rnn.Spec.DimIndex("Gate")]);
        Assert.True(GradientCheckTests.CheckLayer(rnn, steps, batch, seed: 9) > 40);
    }

    [Fact]
    public void Linear_of_several_operands_is_one_affine_map_of_their_concatenation()
    {
        using var rnn = new Rnn<ConcatRnn, double>(D, 3, 4, seed: 2);
        Assert.Equal(new[] { "H.cat.X.weight", "H.cat.H.weight", "H.cat.bias" }, rnn.Layout.Select(p => p.Name).ToArray());
        Assert.True(GradientCheckTests.CheckLayer(rnn, 3, 2, seed: 4) > 10);
    }

    [Fact]
    public void A_hyperparameter_default_of_infinity_reaches_the_spec_and_leaves_values_unclipped()
    {
        Assert.Equal(double.PositiveInfinity, PeepholeLstm.Spec.Hypers.Single(h => h.Name == "CellClip").Default);
        using var rnn = new Rnn<PeepholeLstm>(TestDevices.Cpu, 2, 3, seed: 1);
        // Every weight positive and large inputs: all gates open, so unclipped c grows by about 1 a step.
        rnn.SetAllParameters(Enumerable.Repeat(0.5f, (int)rnn.ParameterCount).ToArray());
        using var x = Tensor<float>.FromArray(TestDevices.Cpu, Enumerable.Repeat(30f, 8 * 2).ToArray(), 8, 1, 2);
        using var r = rnn.Forward(x, training: false);
        Assert.True(r.FinalState[0].ToArray().Max(Math.Abs) > 7f);
        rnn.SetHyper("CellClip", 0.5);
        using var clipped = rnn.Forward(x, training: false);
        Assert.True(clipped.FinalState[0].ToArray().Max(Math.Abs) <= 0.5f);
    }

    [Fact]
    public void A_dimension_the_equations_index_defaults_to_its_smallest_size_and_refuses_less()
    {
        using var rnn = new Rnn<MultiTransformGru>(TestDevices.Cpu, 3, 4);
        Assert.Equal(3, rnn.Sizes[rnn.Spec.DimIndex("Transforms")]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Rnn<MultiTransformGru>(TestDevices.Cpu, 3, 4, new Dictionary<string, int> { ["Transforms"] = 2 }));
        Assert.Contains("Transforms needs at least 3", e.Message);
    }

    [Fact]
    public void A_helper_method_is_inlined_with_parameters_of_its_own_per_call()
    {
        using var rnn = new Rnn<HelperRnn, double>(D, 3, 4, seed: 2);
        Assert.Equal(new[] { "H.Mix.X.weight", "H.Mix2.X.weight", "H.Mix.h.weight", "H.Mix2.h.weight", "H.Mix.X.bias", "H.Mix2.X.bias" },
            rnn.Layout.Select(p => p.Name).ToArray());
        Assert.True(GradientCheckTests.CheckLayer(rnn, 3, 2, seed: 4) > 20);
    }

    [Fact]
    public void A_missing_dimension_size_is_a_clear_error()
    {
        var e = Assert.Throws<ArgumentException>(() => new Rnn<GatedRelu, double>(D, 3, 5));
        Assert.Contains("'Gate'", e.Message);
    }

    [Fact]
    public void Inference_and_training_forward_agree()
    {
        using var rnn = new Rnn<Jzs1>(D, 4, 6, seed: 1);
        var rng = new Random(2);
        using var x = Tensor<float>.FromArray(D, TestData.Gaussian(rng, 5 * 3 * 4).Select(v => (float)v).ToArray(), 5, 3, 4);
        using var train = rnn.Forward(x, training: true);
        using var infer = rnn.Forward(x, training: false);
        Assert.Equal(train.Output.ToArray(), infer.Output.ToArray());
        Assert.Equal(train.FinalState[0].ToArray(), infer.FinalState[0].ToArray());
    }

    [Fact]
    public void Parameter_gradients_accumulate_until_zeroed()
    {
        using var rnn = new Rnn<Lstm, double>(D, 3, 4, seed: 1);
        var rng = new Random(3);
        using var x = Tensor<double>.FromArray(D, TestData.Gaussian(rng, 2 * 2 * 3), 2, 2, 3);
        using var dy = Tensor<double>.FromArray(D, TestData.Gaussian(rng, 2 * 2 * 4), 2, 2, 4);
        double[] Run()
        {
            using var r = rnn.Forward(x);
            using var g = rnn.Backward(dy);
            return rnn.GetAllGradients();
        }
        var once = Run();
        var twice = Run();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 12);
        rnn.ZeroGrad();
        Assert.All(rnn.GetAllGradients(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void A_layer_reuses_the_workspaces_of_its_last_shapes_after_the_shapes_change()
    {
        using var rnn = new Rnn<Lstm>(TestDevices.Cpu, 3, 4);
        void Pass(int steps)
        {
            using var x = Tensor<float>.FromArray(TestDevices.Cpu, new float[steps * 2 * 3], steps, 2, 3);
            using var result = rnn.Forward(x, training: true);
        }
        // Six lengths, as a curriculum's growing segments give, then the last one for a while: it is made once, not every pass.
        foreach (int steps in new[] { 1, 2, 3, 4, 5, 6, 6, 6, 6 }) Pass(steps);
        Assert.Equal(6, rnn.WorkspacesMade);
        Pass(3);
        Assert.Equal(6, rnn.WorkspacesMade);
        Pass(1);
        Assert.Equal(7, rnn.WorkspacesMade);
    }

    [Fact]
    public void Parameters_are_named_after_the_equations()
    {
        using var rnn = new Rnn<Lstm>(D, 3, 4);
        var names = rnn.Layout.Select(p => p.Name).ToHashSet();
        foreach (var gate in new[] { "i", "f", "g", "o" })
            foreach (var operand in new[] { "X", "H" })
            {
                Assert.Contains($"{gate}.{operand}.weight", names);
                Assert.Contains($"{gate}.{operand}.bias", names);
            }
        Assert.Equal(new[] { 4, 3 }, rnn.Layout.First(p => p.Name == "i.X.weight").Shape);
        Assert.Equal(4 * (4 * 3 + 4 * 4 + 4 + 4), rnn.ParameterCount);
    }

    [Fact]
    public void Orthogonal_initialization_gives_orthonormal_rows()
    {
        using var rnn = new Rnn<Lstm, double>(D, 3, 6, seed: 7);
        var w = rnn.GetParameter("i.H.weight");
        for (int a = 0; a < 6; a++)
            for (int b = 0; b < 6; b++)
            {
                double dot = 0;
                for (int k = 0; k < 6; k++) dot += w[a * 6 + k] * w[b * 6 + k];
                Assert.Equal(a == b ? 1 : 0, dot, 9);
            }
    }

    [Fact]
    public void The_same_seed_gives_the_same_parameters()
    {
        using var a = new Rnn<Gru>(D, 3, 5, seed: 11);
        using var b = new Rnn<Gru>(D, 3, 5, seed: 11);
        using var c = new Rnn<Gru>(D, 3, 5, seed: 12);
        Assert.Equal(a.GetAllParameters(), b.GetAllParameters());
        Assert.NotEqual(a.GetAllParameters(), c.GetAllParameters());
    }

    [Fact]
    public void Wrong_input_width_names_the_expected_shape()
    {
        using var rnn = new Rnn<Lstm>(D, 3, 4);
        using var x = new Tensor<float>(D, 5, 2, 7);
        var e = Assert.Throws<ArgumentException>(() => rnn.Forward(x));
        Assert.Contains("[T, B, 3]", e.Message);
        Assert.Contains("[5, 2, 7]", e.Message);
    }

    [Fact]
    public void Wrong_rank_input_is_rejected()
    {
        using var rnn = new Rnn<Lstm>(D, 3, 4);
        using var x = new Tensor<float>(D, 10, 3);
        Assert.Throws<ArgumentException>(() => rnn.Forward(x));
    }

    [Fact]
    public void Wrong_initial_state_shape_or_count_is_rejected()
    {
        using var rnn = new Rnn<Lstm>(D, 3, 4);
        using var x = new Tensor<float>(D, 5, 2, 3);
        using var good = new Tensor<float>(D, 2, 4);
        using var bad = new Tensor<float>(D, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => rnn.Forward(x, new[] { good, bad }));
        Assert.Contains("[2, 4]", e.Message);
        Assert.Contains("[3, 4]", e.Message);
        var count = Assert.Throws<ArgumentException>(() => rnn.Forward(x, new[] { good }));
        Assert.Contains("2 states", count.Message);
    }

    [Fact]
    public void Wrong_output_gradient_shape_is_rejected()
    {
        using var rnn = new Rnn<Gru>(D, 3, 4);
        using var x = new Tensor<float>(D, 5, 2, 3);
        using var r = rnn.Forward(x);
        using var dy = new Tensor<float>(D, 5, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => rnn.Backward(dy));
        Assert.Contains("[5, 2, 4]", e.Message);
    }

    [Fact]
    public void Backward_without_a_training_forward_is_rejected()
    {
        using var rnn = new Rnn<Gru>(D, 3, 4);
        using var x = new Tensor<float>(D, 5, 2, 3);
        using var r = rnn.Forward(x, training: false);
        using var dy = new Tensor<float>(D, 5, 2, 4);
        Assert.Throws<InvalidOperationException>(() => rnn.Backward(dy));
    }

    [Fact]
    public void Tensors_from_another_device_are_rejected()
    {
        using var other = Device.IlgpuCpu();
        using var rnn = new Rnn<Gru>(D, 3, 4);
        using var x = new Tensor<float>(other, 5, 2, 3);
        var e = Assert.Throws<ArgumentException>(() => rnn.Forward(x));
        Assert.Contains("device", e.Message);
    }

    [Fact]
    public void Setting_a_parameter_of_the_wrong_size_is_rejected()
    {
        using var rnn = new Rnn<Gru>(D, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => rnn.SetParameter("r.X.weight", new float[5]));
        Assert.Contains("[4, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => rnn.SetParameter("nope", new float[5]));
        Assert.Throws<ArgumentException>(() => rnn.SetHyper("nope", 1));
    }

    [Fact]
    public void Non_positive_sizes_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Rnn<Gru>(D, 0, 4));
        Assert.Throws<ArgumentException>(() => new Tensor<float>(D, 2, 0));
    }
}

/// <summary>The DFT primitives against System.Numerics.Complex arithmetic, and their matrices fixed (not learned).</summary>
public class FourierTests
{
    [Theory]
    [InlineData("cpu", 8)]
    [InlineData("cpu", 13)]
    [InlineData("ilgpu-cpu", 6)]
    public void DftRe_and_DftIm_are_the_unitary_dft_and_the_inverse_reads_a_fixed_permutation(string device, int n)
    {
        var d = TestDevices.ByName(device);
        var rng = new Random(n);
        var x = TestData.Gaussian(rng, 2 * n);
        var im = TestData.Gaussian(rng, 2 * n);
        var z = Enumerable.Range(0, 2 * n).Select(k => new System.Numerics.Complex(x[k], im[k])).ToArray(); // batch of 2

        System.Numerics.Complex[] Transform(int row, bool inverse, int[]? perm)
        {
            var outp = new System.Numerics.Complex[n];
            for (int j = 0; j < n; j++)
                for (int k = 0; k < n; k++)
                {
                    var v = z[row * n + (perm is null ? k : perm[k])];
                    outp[j] += v * System.Numerics.Complex.FromPolarCoordinates(1 / Math.Sqrt(n), (inverse ? 2 : -2) * Math.PI * j * k / n);
                }
            return outp;
        }

        void Check<TCell>(bool inverse, int[]? perm) where TCell : IRnnCell
        {
            using var rnn = new Rnn<TCell, double>(d, n, 1);
            Assert.All(rnn.Layout, p => Assert.False(p.Learned));
            using var xt = Tensor<double>.FromArray(d, x, 1, 2, n);
            using var s0 = Tensor<double>.FromArray(d, im, 2, n);
            var stateOrder = rnn.Spec.States.Select(s => s.Name).ToArray();
            using var zero = new Tensor<double>(d, 2, n);
            var init = stateOrder.Select(s => s == "Im" ? s0 : zero).ToArray();
            using var r = rnn.Forward(xt, init, training: false);
            var re = r.FinalState[Array.IndexOf(stateOrder, "Re")].ToArray();
            var ims = r.FinalState[Array.IndexOf(stateOrder, "Im")].ToArray();
            for (int row = 0; row < 2; row++)
            {
                var expected = Transform(row, inverse, perm);
                for (int j = 0; j < n; j++)
                {
                    Assert.Equal(expected[j].Real, re[row * n + j], 10);
                    Assert.Equal(expected[j].Imaginary, ims[row * n + j], 10);
                }
            }
        }

        Check<DftProbe>(inverse: false, perm: null);
        var permutation = Initializers.Permutation(n);
        Assert.NotEqual(Enumerable.Range(0, n), permutation);
        Check<PermutedIdftProbe>(inverse: true, perm: permutation);
    }

    [Fact]
    public void Fixed_matrices_are_neither_optimized_nor_saved()
    {
        using var model = new CharModel(TestDevices.Cpu, new CharModelConfig("UnitaryRnn", 9, 4, 6, 1, 0f), seed: 1);
        Assert.DoesNotContain(model.Parameters, p => p.Name.Contains("dft"));
        var layer = (Rnn<UnitaryRnn, float>)model.Layers.Layers[0];
        Assert.Equal(8, layer.Layout.Count(p => !p.Learned));
        Assert.Equal(model.ParameterCount, 9 * 4 + 9 * 6 + 9 + layer.Layout.Where(p => p.Learned).Sum(p => p.Length));
    }
}

/// <summary>Dropout inside a cell: fresh masks in training, reproducible from a seed, none in inference.</summary>
public class CellDropoutTests
{
    [Fact]
    public void Cell_dropout_masks_apply_in_training_only_and_follow_their_seed()
    {
        var d = TestDevices.Cpu;
        var dims = new Dictionary<string, int> { ["HyperUnits"] = 8, ["Embed"] = 2 };
        using var rnn = new Rnn<HyperLstm>(d, 3, 16, dims, seed: 1, hypers: new Dictionary<string, double> { ["RecurrentDropout"] = 0.5 });
        var rng = new Random(2);
        using var x = Tensor<float>.FromArray(d, TestData.Gaussian(rng, 5 * 4 * 3).Select(v => (float)v).ToArray(), 5, 4, 3);
        float[] Run(bool training, ulong seed)
        {
            rnn.SeedMasks(seed);
            using var r = rnn.Forward(x, training: training);
            return r.Output.ToArray();
        }
        var inference = Run(false, 1);
        Assert.Equal(inference, Run(false, 2));
        var a = Run(true, 1);
        Assert.Equal(a, Run(true, 1));
        Assert.NotEqual(a, Run(true, 2));
        Assert.NotEqual(a, inference);
        rnn.SetHyper("RecurrentDropout", 0);
        Assert.Equal(inference, Run(true, 1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => rnn.SetHyper("RecurrentDropout", 1));
        Assert.Contains("RecurrentDropout is a dropout rate and must be in [0, 1)", e.Message);
        Assert.Equal(inference, Run(true, 1)); // the refused value was not kept
    }
}

public class UnitaryRnnTests
{
    [Fact]
    public void Fixed_matrices_cannot_be_set()
    {
        using var rnn = new Rnn<UnitaryRnn>(TestDevices.Cpu, 3, 8);
        var dft = rnn.Layout.First(p => !p.Learned);
        Assert.Throws<InvalidOperationException>(() => rnn.SetParameter(dft.Name, new float[dft.Length]));
        var before = rnn.GetAllParameters();
        rnn.SetAllParameters(new float[before.Length]);
        var after = rnn.GetAllParameters();
        Assert.Equal(before.Skip((int)dft.Offset).Take((int)dft.Length), after.Skip((int)dft.Offset).Take((int)dft.Length));
        Assert.All(after.Skip((int)rnn.Layout.First(p => p.Learned).Offset).Take(10), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Without_input_and_with_a_zero_modrelu_bias_the_recurrence_keeps_the_norm_of_the_state()
    {
        var d = TestDevices.Cpu;
        using var rnn = new Rnn<UnitaryRnn, double>(d, 3, 16, seed: 4);
        foreach (var p in rnn.Layout.Where(p => p.Name is "zr.X.weight" or "zi.X.weight" or "modrelu_bias"))
            rnn.SetParameter(p.Name, new double[p.Length]);
        var rng = new Random(5);
        var re0 = TestData.Gaussian(rng, 2 * 16);
        var im0 = TestData.Gaussian(rng, 2 * 16);
        using var x = Tensor<double>.FromArray(d, TestData.Gaussian(rng, 7 * 2 * 3), 7, 2, 3);
        var names = rnn.Spec.States.Select(s => s.Name).ToList();
        var init = names.Select(n => Tensor<double>.FromArray(d, n == "Re" ? re0 : n == "Im" ? im0 : new double[2 * 16], 2, 16)).ToArray();
        using var r = rnn.Forward(x, init, training: false);
        var re = r.FinalState[names.IndexOf("Re")].ToArray();
        var im = r.FinalState[names.IndexOf("Im")].ToArray();
        for (int row = 0; row < 2; row++)
        {
            double before = Enumerable.Range(row * 16, 16).Sum(k => re0[k] * re0[k] + im0[k] * im0[k]);
            double after = Enumerable.Range(row * 16, 16).Sum(k => re[k] * re[k] + im[k] * im[k]);
            Assert.Equal(before, after, 6);
        }
        foreach (var t in init) t.Dispose();
    }
}
