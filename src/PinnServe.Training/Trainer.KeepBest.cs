using PinnServe.Physics;
using PinnServe.Engine.Compilation;
using PinnServe.Tensors;
using PinnServe.Engine.Backends;
using PinnServe.Contracts;

namespace PinnServe.Training;

public sealed partial class Trainer<T>
{
    /// <summary>
    /// The Adam phase's keep-best (<see cref="TrainingConfig.AdamKeepBest"/>): every K steps, the unweighted sum of every
    /// term's mean loss — no λ, no causal weights, so values at different steps compare — on a held-out set drawn once
    /// from a seed of its own; at the phase's last step the network goes back to the parameters where it was lowest.
    /// A reference-free guard against ending on an Adam spike at a constant learning rate.
    /// </summary>
    private sealed class AdamKeepBest : IDisposable
    {
        private readonly Trainer<T> _owner;
        private readonly CompiledTerm<T>[] _terms;
        private readonly ITermExecutor<T> _executor;
        private readonly T[] _bestParameters;
        private (int Step, double Loss)? _best;

        public AdamKeepBest(Trainer<T> owner)
        {
            _owner = owner;
            var config = owner.Config;
            _terms = owner._plainTerms.Select(t => owner._compiler.Compile(t, p => owner.FixedPlan(t, p, 8 * config.Batch))).ToArray();
            var rng = new Rng(config.Seed ^ 0x6B43A9B5D1UL);
            foreach (var term in _terms) term.Prime(rng);
            _executor = ComputeBackends.Get(config.Device).CreateExecutor<T>(_terms, owner._threads);
            _bestParameters = new T[owner.Network.Parameters.Count];
        }

        /// <summary>The last measurement and the lowest so far (null until first measured).</summary>
        public HeldOutLoss? HeldOut { get; private set; }
        public (int Step, double Loss, T[] Parameters)? Best => _best is { } b ? (b.Step, b.Loss, _bestParameters) : null;

        /// <summary>After an Adam step: measures when due; at the phase's last step restores the best parameters (returns whether it did).</summary>
        public bool AfterStep()
        {
            var config = _owner.Config;
            int step = _owner.Step;
            bool last = step == config.Iterations;
            if (step % config.AdamKeepBest != 0 && !last) return false;
            var values = _owner.Network.Parameters.Values;
            _executor.Run();
            double loss = 0;
            foreach (var term in _terms) loss += double.CreateTruncating(term.Loss);
            if (double.IsFinite(loss) && (_best is null || loss < _best.Value.Loss))
            {
                _best = (step, loss);
                values.AsSpan().CopyTo(_bestParameters);
            }
            HeldOut = new HeldOutLoss(step, loss, _best?.Step ?? step, _best?.Loss ?? loss);
            if (!last || _best is not { } best || best.Step == step) return false;
            _bestParameters.CopyTo(values, 0);
            return true;
        }

        public void Restore(Checkpoint c)
        {
            if (c is { AdamBestStep: { } step, AdamBestLoss: { } loss, AdamBestParameters: { } parameters })
            {
                var decoded = Checkpoint.Decode<T>(parameters);
                if (decoded.Length != _bestParameters.Length)
                    throw new InvalidDataException($"Checkpoint's kept-best parameters have {decoded.Length} values, the network has {_bestParameters.Length}.");
                decoded.CopyTo(_bestParameters, 0);
                _best = (step, loss);
            }
            if (c is { AdamLastHeldOutStep: { } lastStep, AdamLastHeldOutLoss: { } lastLoss } && _best is { } b)
                HeldOut = new HeldOutLoss(lastStep, lastLoss, b.Step, b.Loss);
        }

        public void Dispose() => _executor.Dispose();
    }
}
