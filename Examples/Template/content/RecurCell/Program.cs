using Recur;
using RecurCell;

// A character model around the cell in MinimalGatedUnit.cs (embedding → the cell → dense → cross-entropy), trained with Adam on
// the bundled sample of tiny Shakespeare (public domain) to predict each next character.
var text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "sample.txt"));
var vocabulary = text.Distinct().Order().ToArray();
var ids = text.Select(c => Array.BinarySearch(vocabulary, c)).ToArray();

using var device = Device.Cpu();   // or Device.Cuda(0) on an NVIDIA GPU
using var model = new CharModel(device, vocabulary.Length);
using var adam = new Adam<float>(model, learningRate: 3e-3);
Console.WriteLine($"{model.ParameterCount:N0} parameters; {vocabulary.Length} characters; uniform guessing: {Math.Log(vocabulary.Length):F3} nats/char");

const int steps = 32, batch = 16;
var rng = new Random(1);
var inputs = new int[steps * batch];
var targets = new int[steps * batch];
for (int step = 1; step <= 150; step++)
{
    for (int b = 0; b < batch; b++)   // a random window per batch row; time-major: [step, row]
    {
        int start = rng.Next(ids.Length - steps - 1);
        for (int t = 0; t < steps; t++) (inputs[t * batch + b], targets[t * batch + b]) = (ids[start + t], ids[start + t + 1]);
    }
    model.ZeroGrad();
    using var tape = new Tape(training: true);
    var loss = model.Loss(tape, inputs, targets, steps, batch);
    tape.Backward(loss);
    adam.Update();
    if (step % 10 == 0) Console.WriteLine($"step {step,3}  loss {loss.Item():F3} nats/char");
}

sealed class CharModel : Part
{
    readonly Embedding<float> _embed;
    readonly Rnn<MinimalGatedUnit> _rnn;
    readonly Dense<float> _output;

    public CharModel(Device device, int vocabulary) : base(device)
    {
        _embed  = Add("embed",  new Embedding<float>(device, vocabulary, 32));
        _rnn    = Add("rnn",    new Rnn<MinimalGatedUnit>(device, inputSize: 32, hiddenSize: 128));
        _output = Add("output", new Dense<float>(device, vocabulary));
    }

    public Var<float> Loss(Tape tape, int[] ids, int[] targets, int steps, int batch)
    {
        var x = _embed.Forward(tape, ids, steps, batch);   // [steps, batch, 32]
        var h = _rnn.Forward(x);                            // [steps, batch, 128]
        return Losses.CrossEntropy(_output.Forward(h), targets);
    }
}
