using System;

namespace Recur;

/// <summary>Marks a <c>partial class</c> as a recurrent cell; the Recur generator turns its <see cref="StepAttribute"/> method into kernels.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class RnnCellAttribute : Attribute { }

/// <summary>The per-step input of a cell, read from the sequence (<c>[Input] partial Vec&lt;In&gt; X { get; }</c>).</summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class InputAttribute : Attribute { }

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
