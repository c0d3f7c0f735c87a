namespace PinnServe.Autodiff;

/// <summary>
/// A recorded operation on the tape. Buffers are allocated once when the node is built and reused every
/// step, so replaying a tape allocates nothing.
/// </summary>
public abstract class Node<T> where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    protected Node(int length, bool requiresGrad)
    {
        Value = new T[length];
        RequiresGrad = requiresGrad;
        Grad = requiresGrad ? new T[length] : [];
    }

    /// <summary>The node's output.</summary>
    public T[] Value { get; }
    /// <summary>∂loss/∂Value, accumulated by consumers during the backward pass (empty when not needed).</summary>
    public T[] Grad { get; }
    /// <summary>Whether the output depends on a trainable parameter.</summary>
    public bool RequiresGrad { get; }
    public int Length => Value.Length;

    public abstract void Forward();

    /// <summary>
    /// The nodes this one reads (null: not declared). With every node's inputs declared, a tape clears each
    /// gradient buffer just before its first writer runs backward, while it is about to be used, instead of
    /// clearing every buffer of the tape up front.
    /// </summary>
    public virtual IReadOnlyList<Node<T>>? Inputs => null;

    /// <summary>
    /// Whether <see cref="Backward"/> can write its single input's gradient instead of adding to it, when it is the
    /// first to write that gradient in the backward pass (<see cref="OverwritesInputGrad"/>).
    /// </summary>
    public virtual bool CanOverwriteInputGrad => false;

    /// <summary>
    /// Set by the tape: this node is the first writer of its input's gradient and the tape has not cleared that buffer,
    /// so <see cref="Backward"/> must write it (start from zero) rather than add to it. Saves a pass over the buffer
    /// (clearing it, then reading the zeros back) and gives the same bits: the sums start from +0 either way.
    /// </summary>
    public bool OverwritesInputGrad { get; internal set; }

    /// <summary>Adds this node's contributions to its inputs' Grad and to <paramref name="parameterGradient"/> (∂loss/∂θ).</summary>
    public virtual void Backward(Span<T> parameterGradient) { }

    /// <summary>Floating-point operations of one forward pass (for FLOP-rate reporting); backward is counted separately.</summary>
    public virtual long ForwardFlops => Length;
    public virtual long BackwardFlops => RequiresGrad ? 2 * ForwardFlops : 0;
}
