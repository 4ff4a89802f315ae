using System;

namespace Recur;

/// <summary>A <see cref="CharModel"/> run one character per row at a time in inference (<see cref="CharModel.Start"/>): the embedding,
/// the stack's steppers and the output layer on buffers made when it starts.</summary>
public sealed class CharStepper : ITokenStepper<float>
{
    private readonly TokenEnds<float> _ends;
    private readonly StackStepper<float> _stack;

    internal CharStepper(CharModel model, int rows)
    {
        _ends = new TokenEnds<float>(model.Embedding, model.Output, rows);
        try { _stack = model.Layers.Start(rows); }
        catch { _ends.Dispose(); throw; }
    }

    /// <inheritdoc/>
    public int Rows => _ends.Rows;
    /// <inheritdoc/>
    public int Vocabulary => _ends.Vocabulary;
    /// <inheritdoc/>
    public ReadOnlySpan<float> Logits => _ends.Logits;
    /// <summary>The stack's steppers: every layer's states after the last step.</summary>
    public StackStepper<float> Stack => _stack;

    /// <inheritdoc/>
    public void Step(int[] tokens)
    {
        _stack.Step(_ends.Embed(tokens));
        _ends.Project(_stack.Output());
    }

    /// <inheritdoc/>
    public void Reorder(int[] rows) => _stack.Reorder(rows);

    /// <summary>Frees the stepper's buffers.</summary>
    public void Dispose()
    {
        _stack.Dispose();
        _ends.Dispose();
    }
}
