using ILGPU.Runtime;
using PinnServe.Autodiff;
using PinnServe.Autodiff.Nodes;
using PinnServe.Autodiff.Taylor;

namespace PinnServe.Backends.Gpu;

/// <summary>Turns one node kind into device work. Translators are looked up by the node's generic type definition.</summary>
internal interface INodeTranslator
{
    DeviceOp Translate(Node<float> node, TranslationContext c);
}

/// <summary>The node kinds this backend runs; any other kind makes the executor refuse the tapes (never a silent wrong answer).</summary>
internal static class NodeTranslators
{
    private static readonly Dictionary<Type, INodeTranslator> ByKind = new()
    {
        [typeof(JetInputNode<>)] = new JetInputTranslator(),
        [typeof(JetPeriodicFeaturesNode<>)] = new JetPeriodicFeaturesTranslator(),
        [typeof(Nn.JetFourierFeaturesNode<>)] = new JetFourierFeaturesTranslator(),
        [typeof(DataNode<>)] = new DataTranslator(),
        [typeof(JetLinearNode<>)] = new JetLinearTranslator(),
        [typeof(JetActivationNode<>)] = new JetActivationTranslator(),
        [typeof(JetGateNode<>)] = new JetGateTranslator(),
        [typeof(ComponentNode<>)] = new ComponentTranslator(),
        [typeof(LinearCombinationNode<>)] = new LinearCombinationTranslator(),
        [typeof(AffineNode<>)] = new AffineTranslator(),
        [typeof(MultiplyNode<>)] = new MultiplyTranslator(),
        [typeof(PowerNode<>)] = new PowerTranslator(),
        [typeof(CoefficientScaleNode<>)] = new CoefficientScaleTranslator(),
        [typeof(MeanSquareNode<>)] = new MeanSquareTranslator(),
        [typeof(ScalarSumNode<>)] = new ScalarSumTranslator(),
    };

    public static IEnumerable<string> Supported => ByKind.Keys.Select(KindName);

    public static INodeTranslator For(Node<float> node)
    {
        var type = node.GetType();
        var kind = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return ByKind.TryGetValue(kind, out var translator)
            ? translator
            : throw new NotSupportedException($"The ilgpu backend cannot run node kind '{KindName(kind)}' (it runs: {string.Join(", ", Supported)}); train this problem with --device cpu.");
    }

    private static string KindName(Type t) => t.IsGenericType ? t.Name[..t.Name.IndexOf('`')] : t.Name;
}

/// <summary>Coordinates are normalized on the host (points × axes, tiny) and the value block uploaded; the constant first-order block was uploaded once.</summary>
internal sealed class JetInputTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var input = (JetInputNode<float>)node;
        c.Value(input);
        c.Uploads.Add((input.Forward, input.Value, input.BlockLength));
        return new DeviceOp(() => { }, null);
    }
}

/// <summary>
/// Periodic input features depend on the coordinates only: computed on the host right after them (every component,
/// points × features × components, small) and uploaded. Their x̂ columns read the input node's host value, which
/// the input's own upload, earlier on the tape, has just computed.
/// </summary>
internal sealed class JetPeriodicFeaturesTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var features = (JetPeriodicFeaturesNode<float>)node;
        c.Value(features);
        c.Uploads.Add((features.Forward, features.Value, features.Length));
        return new DeviceOp(() => { }, null);
    }
}

/// <summary>Random Fourier features depend on the coordinates only (B is fixed): computed on the host after them and uploaded, like periodic features.</summary>
internal sealed class JetFourierFeaturesTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var features = (Nn.JetFourierFeaturesNode<float>)node;
        c.Value(features);
        c.Uploads.Add((features.Forward, features.Value, features.Length));
        return new DeviceOp(() => { }, null);
    }
}

/// <summary>Known data at the step's points: refilled by the sampler on the host, uploaded each step.</summary>
internal sealed class DataTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        c.Value(node);
        c.Uploads.Add((null, node.Value, node.Length));
        return new DeviceOp(() => { }, null);
    }
}

internal sealed class JetLinearTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (JetLinearNode<float>)node;
        var p = c.Program;
        var g = new GemmArgs
        {
            X = c.Value(n.Input), W = c.Parameter(n.Weight), Y = c.Value(n), Bias = c.Parameter(n.Bias),
            Rows = n.Rows, K = n.Input.Width, N = n.Width, BiasRows = n.Points,
        };
        // Backward: the same shapes over gradients; W and Bias point at this term's ∂L/∂θ.
        var dw = g with { Y = c.Grad(n), W = c.ParameterGrad(n.Weight), Bias = c.ParameterGrad(n.Bias) };
        var dx = n.Input.RequiresGrad ? g with { X = c.Grad(n.Input), Y = c.Grad(n) } : default;
        bool inputGrad = n.Input.RequiresGrad;
        return new DeviceOp(
            () => p.K.GemmForward(g.Rows * g.N, p.Arena, g),
            () =>
            {
                p.K.GemmWeightGrad(g.K * g.N, p.Arena, dw);
                p.K.ColumnSums(g.N, p.Arena, dw);
                if (inputGrad) p.K.GemmInputGrad(g.Rows * g.K, p.Arena, dx);
            });
    }
}

/// <summary>Product plans become one int table each, run by one kernel over a component block.</summary>
internal static class Plans
{
    public static int Upload(ProductPlan<float> plan, IReadOnlyList<float[]> buffers, int blockLength, TranslationContext c)
    {
        var ints = new List<int>(plan.Count * Kernels.PlanStride);
        foreach (var term in plan.Terms)
        {
            if (term.Coefficient != MathF.Round(term.Coefficient)) throw new NotSupportedException("A product-plan coefficient is not an integer.");
            ints.Add(Slice(term.Destination));
            ints.Add(term.Factors.Length);
            ints.Add((int)term.Coefficient);
            for (int f = 0; f < 5; f++) ints.Add(f < term.Factors.Length ? Slice(term.Factors[f]) : 0);
        }
        return c.Program.AddInts(ints);

        int Slice(ProductPlan<float>.Slice s) => c.Layout.Map(buffers[s.Buffer]) + s.Block * blockLength;
    }
}

internal sealed class JetActivationTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (JetActivationNode<float>)node;
        int kind = n.Activation switch
        {
            TanhActivation => 0,
            SineActivation => 1,
            _ => throw new NotSupportedException($"The ilgpu backend has no kernel for activation '{n.Activation.Name}'."),
        };
        var sigma = n.PlanBuffers.Skip(4).Select(c.Layout.Map).ToArray();
        if (sigma.Length > 5) throw new NotSupportedException("Activation derivatives above order 4 are not supported.");
        var s = new SigmaArgs { Z = c.Value(n.Input), Order = sigma.Length - 1, Kind = kind };
        s.S0 = sigma[0]; s.S1 = sigma.ElementAtOrDefault(1); s.S2 = sigma.ElementAtOrDefault(2); s.S3 = sigma.ElementAtOrDefault(3); s.S4 = sigma.ElementAtOrDefault(4);
        int y = c.Value(n), length = n.BlockLength, count = n.Value.Length;
        var p = c.Program;
        int forward = Plans.Upload(n.ForwardPlan, n.PlanBuffers, length, c), forwardTerms = n.ForwardPlan.Count;
        int backward = n.RequiresGrad ? Plans.Upload(n.BackwardPlan, n.PlanBuffers, length, c) : 0, backwardTerms = n.BackwardPlan.Count;
        return new DeviceOp(
            () =>
            {
                p.K.Sigma(length, p.Arena, s);
                p.Arena.SubView(y, count).MemSetToZero();
                p.K.Product(length, p.Arena, p.PlanView, forward, forwardTerms, length);
            },
            () => p.K.Product(length, p.Arena, p.PlanView, backward, backwardTerms, length));
    }
}

internal sealed class JetGateTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (JetGateNode<float>)node;
        var p = c.Program;
        int length = n.BlockLength, all = n.Value.Length;
        int difference = c.Layout.Map(n.PlanBuffers[2]);
        var diff = new Ew { Dst = difference, A = c.Value(n.V), B = c.Value(n.U), Alpha = 1, Beta = -1 };
        var copy = new Ew { Dst = c.Value(n), A = c.Value(n.U) };
        int forward = Plans.Upload(n.ForwardPlan, n.PlanBuffers, length, c), forwardTerms = n.ForwardPlan.Count;
        if (!n.RequiresGrad)
            return new DeviceOp(() => Forward(), null);
        int differenceGrad = c.Layout.Map(n.PlanBuffers[3]);
        int backward = Plans.Upload(n.BackwardPlan, n.PlanBuffers, length, c), backwardTerms = n.BackwardPlan.Count;
        // H = U + Z⊙D with D = V − U: ∂U += ∂H − ∂D, ∂V += ∂D.
        Ew? du = n.U.RequiresGrad ? new Ew { Dst = c.Grad(n.U), A = c.Grad(n), B = differenceGrad, Alpha = 1, Beta = -1 } : null;
        Ew? dv = n.V.RequiresGrad ? new Ew { Dst = c.Grad(n.V), A = differenceGrad, Alpha = 1 } : null;
        return new DeviceOp(Forward, () =>
        {
            p.Arena.SubView(differenceGrad, all).MemSetToZero();
            p.K.Product(length, p.Arena, p.PlanView, backward, backwardTerms, length);
            if (du is { } u) p.K.CombineAdd(all, p.Arena, u);
            if (dv is { } v) p.K.ScaleByScalarAdd(all, p.Arena, v with { B = p.One }); // ∂V += 1·∂D
        });

        void Forward()
        {
            p.K.Combine(all, p.Arena, diff);
            p.K.Copy(all, p.Arena, copy);
            p.K.Product(length, p.Arena, p.PlanView, forward, forwardTerms, length);
        }
    }
}

internal sealed class ComponentTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (ComponentNode<float>)node;
        var p = c.Program;
        int block = n.ComponentIndex * n.Jet.BlockLength, points = n.Length;
        var forward = new Ew { Dst = c.Value(n), A = c.Value(n.Jet) + block, B = n.Column, Count = n.Jet.Width };
        if (!n.RequiresGrad) return new DeviceOp(() => p.K.Gather(points, p.Arena, forward), null);
        var backward = new Ew { Dst = c.Grad(n), A = c.Grad(n.Jet) + block, B = n.Column, Count = n.Jet.Width };
        return new DeviceOp(() => p.K.Gather(points, p.Arena, forward), () => p.K.ScatterAdd(points, p.Arena, backward));
    }
}

internal sealed class LinearCombinationTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (LinearCombinationNode<float>)node;
        var p = c.Program;
        int len = n.Length;
        var f = new Ew { Dst = c.Value(n), A = c.Value(n.A), B = c.Value(n.B), Alpha = n.Alpha, Beta = n.Beta };
        if (!n.RequiresGrad) return new DeviceOp(() => p.K.Combine(len, p.Arena, f), null);
        Ew? da = n.A.RequiresGrad ? new Ew { Dst = c.Grad(n.A), A = c.Grad(n), Alpha = n.Alpha } : null;
        Ew? db = n.B.RequiresGrad ? new Ew { Dst = c.Grad(n.B), A = c.Grad(n), Alpha = n.Beta } : null;
        return new DeviceOp(() => p.K.Combine(len, p.Arena, f), () =>
        {
            if (da is { } a) p.K.ScaleByScalarAdd(len, p.Arena, a with { B = p.One });
            if (db is { } b) p.K.ScaleByScalarAdd(len, p.Arena, b with { B = p.One });
        });
    }
}

internal sealed class AffineTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (AffineNode<float>)node;
        var p = c.Program;
        int len = n.Length;
        var f = new Ew { Dst = c.Value(n), A = c.Value(n.A), Alpha = n.Scale, Beta = n.Shift };
        if (!n.RequiresGrad) return new DeviceOp(() => p.K.Affine(len, p.Arena, f), null);
        var b = new Ew { Dst = c.Grad(n.A), A = c.Grad(n), Alpha = n.Scale };
        return new DeviceOp(() => p.K.Affine(len, p.Arena, f), () => p.K.ScaleByScalarAdd(len, p.Arena, b with { B = p.One }));
    }
}

internal sealed class MultiplyTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (MultiplyNode<float>)node;
        var p = c.Program;
        int len = n.Length;
        var f = new Ew { Dst = c.Value(n), A = c.Value(n.A), B = c.Value(n.B) };
        if (!n.RequiresGrad) return new DeviceOp(() => p.K.Multiply(len, p.Arena, f), null);
        Ew? da = n.A.RequiresGrad ? new Ew { Dst = c.Grad(n.A), A = c.Grad(n), B = c.Value(n.B), Alpha = 1 } : null;
        Ew? db = n.B.RequiresGrad ? new Ew { Dst = c.Grad(n.B), A = c.Grad(n), B = c.Value(n.A), Alpha = 1 } : null;
        return new DeviceOp(() => p.K.Multiply(len, p.Arena, f), () =>
        {
            if (da is { } a) p.K.MultiplyAdd(len, p.Arena, a);
            if (db is { } b) p.K.MultiplyAdd(len, p.Arena, b);
        });
    }
}

internal sealed class PowerTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (PowerNode<float>)node;
        var p = c.Program;
        int len = n.Length, lower = c.Layout.Reserve(len);
        var f = new Ew { Dst = c.Value(n), A = c.Value(n.A), B = lower, Count = n.Power };
        if (!n.RequiresGrad) return new DeviceOp(() => p.K.Power(len, p.Arena, f), null);
        var b = new Ew { Dst = c.Grad(n.A), A = lower, B = c.Grad(n), Alpha = n.Power };   // ∂a += p·a^(p−1)·∂out
        return new DeviceOp(() => p.K.Power(len, p.Arena, f), () => p.K.MultiplyAdd(len, p.Arena, b));
    }
}

internal sealed class CoefficientScaleTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (CoefficientScaleNode<float>)node;
        var p = c.Program;
        int len = n.Length, theta = c.Parameter(n.Coefficient);
        var f = new Ew { Dst = c.Value(n), A = c.Value(n.A), B = theta };
        var dTheta = new Ew { Dst = c.ParameterGrad(n.Coefficient), A = c.Grad(n), B = c.Value(n.A), Count = len };
        Ew? da = n.A.RequiresGrad ? new Ew { Dst = c.Grad(n.A), A = c.Grad(n), B = theta, Alpha = 1 } : null;
        return new DeviceOp(() => p.K.ScaleByScalar(len, p.Arena, f), () =>
        {
            p.K.DotAdd(1, p.Arena, dTheta);
            if (da is { } a) p.K.ScaleByScalarAdd(len, p.Arena, a);
        });
    }
}

internal sealed class MeanSquareTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (MeanSquareNode<float>)node;
        var p = c.Program;
        int len = n.A.Length;
        var f = new Ew { Dst = c.Value(n), A = c.Value(n.A), Count = len, Alpha = n.Count };
        if (!n.RequiresGrad) return new DeviceOp(() => p.K.MeanSquare(1, p.Arena, f), null);
        // ∂a += (2/count)·∂out·a
        var b = new Ew { Dst = c.Grad(n.A), A = c.Value(n.A), B = c.Grad(n), Alpha = (float)(2.0 / n.Count) };
        return new DeviceOp(() => p.K.MeanSquare(1, p.Arena, f), () => p.K.ScaleByScalarAdd(len, p.Arena, b));
    }
}

internal sealed class ScalarSumTranslator : INodeTranslator
{
    public DeviceOp Translate(Node<float> node, TranslationContext c)
    {
        var n = (ScalarSumNode<float>)node;
        var p = c.Program;
        int dst = c.Value(n), count = n.Terms.Count, start = p.AddInts(n.Terms.Select(c.Value));
        var back = n.Terms.Where(t => t.RequiresGrad).Select(t => new Ew { Dst = c.Grad(t), A = c.Grad(n), Alpha = 1 }).ToArray();
        return new DeviceOp(() => p.K.ScalarSum(1, p.Arena, p.PlanView, start, count, dst), () =>
        {
            foreach (var e in back) p.K.AddScalar(1, p.Arena, e);
        });
    }
}
