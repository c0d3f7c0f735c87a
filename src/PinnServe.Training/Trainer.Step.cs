using PinnServe.Autodiff;
using PinnServe.Engine.Backends;
using PinnServe.Training.Weighting;

namespace PinnServe.Training;

public sealed partial class Trainer<T>
{
    // Per-block statistics of the reference gradient and of each weighted term's, filled by the step when the
    // weights are due and the gradients stay on a device (BlockGradient reads them).
    private readonly BlockGradient _referenceStatistics;
    private readonly BlockGradient[] _termStatistics;
    private readonly BlockStatistics[][] _termStatisticsArrays;

    /// <summary>The backend's Adam step (its <see cref="IStepExecutor{T}.ParameterTransfers"/> shows whether θ stays resident).</summary>
    public IStepExecutor<T> StepExecutor => _step;

    private (BlockGradient Reference, BlockGradient[] Terms) CreateStatistics(ParameterStore<T> store)
    {
        var blocks = store.Infos;
        var terms = _termStatisticsArrays.Select(a => new BlockGradient(blocks, a)).ToArray();
        return (new BlockGradient(blocks, new BlockStatistics[blocks.Count]), terms);
    }

    /// <summary>
    /// The network with θ current on the host. θ may be written through it (tests, keep-best's restore, L-BFGS), so
    /// the next step starts from the host's θ: a device step uploads it once, and keeps it resident again afterwards.
    /// </summary>
    private Nn.Network<T> HostNetwork()
    {
        if (_step is not null)
        {
            _step.PullParameters();
            _step.HostParametersChanged();
        }
        return _network;
    }

    /// <summary>
    /// One update of λ from this step's gradients. The NTK scheme measures its own per-point gradients at the host's
    /// θ; a scheme that reads only gradient statistics gets them from the step (scalars, when θ stays on a device);
    /// any other scheme reads the whole gradients, downloaded from a device for this step.
    /// </summary>
    private void UpdateWeights()
    {
        if (_ntk is not null)
        {
            _step.PullParameters();
            _weights.Update(_ntk.Estimate(Step));
        }
        else if (_step.GradientsOnHost || !_weights.UsesStatistics)
        {
            _step.FetchTermResults();
            for (int i = 0; i < _weighted.Length; i++) _weightedGradients[i] = _weighted[i].Gradient;
            _weights.Update(_step.HostReferenceGradient(), _weightedGradients);
        }
        else
        {
            _step.Statistics(_referenceStatistics.Statistics, _termStatisticsArrays);
            _weights.Update(_referenceStatistics, _termStatistics);
        }
    }
}
