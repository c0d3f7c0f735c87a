using PinnServe.Autodiff.Taylor;
using PinnServe.Contracts.Derivatives;

namespace PinnServe.Autodiff.Nodes;

/// <summary>
/// A batch of activations together with their input derivatives: storage is component-major
/// <c>[component][point][width]</c>, so stacking all components gives one <c>(K·N) × width</c> matrix that a
/// dense layer multiplies in a single product.
/// </summary>
public abstract class JetNode<T> : Node<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    protected JetNode(DerivativeSet set, int points, int width, bool requiresGrad)
        : base(set.Count * points * width, requiresGrad)
    {
        Set = set;
        Points = points;
        Width = width;
    }

    public DerivativeSet Set { get; }
    public int Points { get; }
    public int Width { get; }
    /// <summary>Elements of one component block (points × width).</summary>
    public int BlockLength => Points * Width;
    /// <summary>Rows of the stacked matrix (components × points).</summary>
    public int Rows => Set.Count * Points;

    public Span<T> Component(int k) => Value.AsSpan(k * BlockLength, BlockLength);
    public Span<T> GradComponent(int k) => Grad.AsSpan(k * BlockLength, BlockLength);
}
