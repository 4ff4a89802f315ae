namespace Recur;

/// <summary>A dimension of a vector. Dimensions are types, so adding a <c>Vec&lt;In&gt;</c> to a <c>Vec&lt;Hidden&gt;</c> does not compile.
/// Declare your own with <c>public sealed class Embed : IDim { }</c>; its size is given when the layer is built.</summary>
public interface IDim { }

/// <summary>The size of the layer's input at each step.</summary>
public sealed class In : IDim { private In() { } }

/// <summary>The size of the layer's hidden state.</summary>
public sealed class Hidden : IDim { private Hidden() { } }

/// <summary>The positions of a source sequence a cell attends over (<c>[Memory] Seq&lt;Src, Enc&gt;</c>): sized by each call, with a
/// length per batch row.</summary>
public sealed class Src : IDim { private Src() { } }

/// <summary>The features of an encoder's outputs, as a decoder's memory.</summary>
public sealed class Enc : IDim { private Enc() { } }

/// <summary>The size of an attention layer (the space additive attention scores in).</summary>
public sealed class Att : IDim { private Att() { } }
