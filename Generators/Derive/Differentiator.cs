using System.Collections.Generic;
using System.Linq;
using Recur.Generators.Model;

namespace Recur.Generators.Derive;

/// <summary>Reverse-mode symbolic differentiation of a step graph. Adjoints are built as ordinary graph nodes in the
/// same builder, so the backward pass is scheduled, fused and emitted by the same code as the forward pass.</summary>
internal static class Differentiator
{
    /// <summary>Returns the adjoint node of every node that <paramref name="seeds"/> reach (sources included).
    /// Seeds give each output node the gradient arriving at it; two seeds on one node add.</summary>
    public static Dictionary<int, int> Derive(GraphBuilder g, IEnumerable<(int Node, int Seed)> seeds)
    {
        var adjoint = new Dictionary<int, int>();
        var seedList = seeds.ToList();
        foreach (var (node, seed) in seedList) Accumulate(g, adjoint, node, seed);

        var order = GraphBuilder.Closure(g.Nodes, seedList.Select(s => s.Node));
        for (int k = order.Count - 1; k >= 0; k--)
        {
            int z = order[k];
            if (!adjoint.TryGetValue(z, out int a)) continue;
            var n = g[z];
            switch (n.Op)
            {
                case Op.Neg:
                    Accumulate(g, adjoint, n.Args[0], g.Unary(Op.Neg, a), n);
                    break;
                case Op.Sigmoid: // σ' = σ(1 − σ)
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, g.Binary(Op.Mul, z, g.Binary(Op.Sub, g.Const(1), z))), n);
                    break;
                case Op.Tanh: // tanh' = 1 − tanh²
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, g.Binary(Op.Sub, g.Const(1), g.Binary(Op.Mul, z, z))), n);
                    break;
                case Op.Relu:
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, g.Unary(Op.Step, n.Args[0])), n);
                    break;
                case Op.Exp:
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, z), n);
                    break;
                case Op.Rsqrt: // d x^(−1/2) = −½ x^(−3/2) = −½ z³
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, g.Binary(Op.Mul, g.Const(-0.5), g.Binary(Op.Mul, z, g.Binary(Op.Mul, z, z)))), n);
                    break;
                case Op.Sin:
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, g.Unary(Op.Cos, n.Args[0])), n);
                    break;
                case Op.Cos:
                    Accumulate(g, adjoint, n.Args[0], g.Unary(Op.Neg, g.Binary(Op.Mul, a, g.Unary(Op.Sin, n.Args[0]))), n);
                    break;
                case Op.Sqrt: // d √x = 1 / (2 √x)
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Div, a, g.Binary(Op.Mul, g.Const(2), z)), n);
                    break;
                case Op.Min: // the gradient goes to the smaller argument (to the second on a tie)
                case Op.Max: // the gradient goes to the larger argument (to the second on a tie)
                {
                    int first = g.Unary(Op.Step, n.Op == Op.Max ? g.Binary(Op.Sub, n.Args[0], n.Args[1]) : g.Binary(Op.Sub, n.Args[1], n.Args[0]));
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, first), n);
                    Accumulate(g, adjoint, n.Args[1], g.Binary(Op.Mul, a, g.Binary(Op.Sub, g.Const(1), first)), n);
                    break;
                }
                case Op.Add:
                    Accumulate(g, adjoint, n.Args[0], a, n);
                    Accumulate(g, adjoint, n.Args[1], a, n);
                    break;
                case Op.Sub:
                    Accumulate(g, adjoint, n.Args[0], a, n);
                    Accumulate(g, adjoint, n.Args[1], g.Unary(Op.Neg, a), n);
                    break;
                case Op.Mul:
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Mul, a, n.Args[1]), n);
                    Accumulate(g, adjoint, n.Args[1], g.Binary(Op.Mul, a, n.Args[0]), n);
                    break;
                case Op.Div: // d(x/y) = dx/y − z·dy/y
                    Accumulate(g, adjoint, n.Args[0], g.Binary(Op.Div, a, n.Args[1]), n);
                    Accumulate(g, adjoint, n.Args[1], g.Unary(Op.Neg, g.Binary(Op.Div, g.Binary(Op.Mul, a, z), n.Args[1])), n);
                    break;
                case Op.RowSum: // every element of the row receives the row's gradient
                case Op.FeatureSum: // every feature of a position receives the position's gradient
                case Op.PositionSum: // every position receives the feature's gradient
                    Accumulate(g, adjoint, n.Args[0], a);
                    break;
                // Step is piecewise constant; RowMax is only ever a shift that cancels (softmax); OneHot and sources have no arguments.
            }
        }
        return adjoint;
    }

    /// <summary>Adds a contribution to a node's adjoint, first summing it over the dimensions the value was broadcast along in
    /// <paramref name="user"/> (an elementwise operation, whose shape the contribution has): a row value used in a vector receives the
    /// sum over the row, a query used at every memory position the sum over positions. An adjoint may itself stay broadcast (a sequence's
    /// adjoint can be a vector). Scalars (literals, hyperparameters, sizes) and lengths are not learned and receive nothing.</summary>
    private static void Accumulate(GraphBuilder g, Dictionary<int, int> adjoint, int target, int contribution, Node? user = null)
    {
        var t = g[target];
        if (t.Kind == ShapeKind.Scalar || t.Op == Op.Length) return;
        if (user is not null)
        {
            var own = GraphBuilder.Axes(t).ToList();
            foreach (var axis in GraphBuilder.Axes(user).Where(d => !own.Contains(d)).ToList()) contribution = g.SumOver(contribution, axis);
        }
        adjoint[target] = adjoint.TryGetValue(target, out var existing) ? g.Binary(Op.Add, existing, contribution) : contribution;
    }
}
