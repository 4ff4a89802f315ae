using System;

namespace Recur;

/// <summary>Marks a <c>partial class</c> as a recurrent cell; the Recur generator turns its <see cref="StepAttribute"/> method into kernels.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RnnCellAttribute : Attribute { }

/// <summary>The per-step input of a cell, read from the sequence (<c>[Input] partial Vec&lt;In&gt; X { get; }</c>).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class InputAttribute : Attribute { }

/// <summary>A sequence the cell reads whole at every step, such as an encoder's outputs that a decoder attends over
/// (<c>[Memory] partial Seq&lt;Src, Enc&gt; M { get; }</c>): one sequence per batch row, each with its own length. The attention operations
/// (<c>Dot</c>, <c>Sum</c>, <c>Context</c>, <c>Softmax</c> over <c>Vec&lt;Src&gt;</c>) see only a row's own positions; products of the memory
/// (<c>M.Linear&lt;Att&gt;()</c>) run once per sequence.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class MemoryAttribute : Attribute { }

/// <summary>A recurrent state carried from step to step; every state needs exactly one <c>Next(state, value)</c>.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class StateAttribute : Attribute { }

/// <summary>The state whose value at each step is the layer's output sequence.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class OutputAttribute : Attribute { }

/// <summary>A hyperparameter: a runtime scalar (not learned) that the equations read, such as a forget-gate bias.</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class HyperAttribute : Attribute { }

/// <summary>The method holding the cell's equations, one line per equation.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class StepAttribute : Attribute { }
