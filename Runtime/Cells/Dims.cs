namespace Recur.Cells;

/// <summary>The projected output of <see cref="ProjectedPeepholeLstm"/> (TF's <c>num_proj</c>).</summary>
public sealed class Proj : IDim { }

/// <summary>The number of input transforms <see cref="MultiTransformGru"/> mixes (at least 3: its equations read λ₀, λ₁, λ₂).</summary>
public sealed class Transforms : IDim { }

/// <summary>The hidden size of <see cref="HyperLstm"/>'s small hyper LSTM (128 in Ha et al.).</summary>
public sealed class HyperUnits : IDim { }

/// <summary>The size of <see cref="HyperLstm"/>'s hyper embeddings z (4 in Ha et al.).</summary>
public sealed class Embed : IDim { }
