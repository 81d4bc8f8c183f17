namespace CrystalTransformer.Training;

/// <summary>
/// Learning-rate factor as a pure function of the position in training (epoch + fraction of the epoch done), so that a
/// resumed run continues on exactly the same curve without scheduler state. StepLR and MultiStepLR change once per epoch
/// as in PyTorch; warm-up and cosine change every step.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>Factor multiplying the initial learning rate at <paramref name="epoch"/> (0-based) plus <paramref name="fraction"/> ∈ [0, 1].</summary>
    public static double Factor(TrainingOptions o, int epoch, double fraction)
    {
        double t = epoch + fraction;
        if (o.WarmupEpochs > 0 && t < o.WarmupEpochs) return t / o.WarmupEpochs;
        return o.Schedule switch
        {
            ScheduleKind.Constant => 1.0,
            ScheduleKind.Step => Math.Pow(o.Gamma, epoch / o.StepSize),
            ScheduleKind.MultiStep => Math.Pow(o.Gamma, o.Milestones.Count(m => epoch >= m)),
            ScheduleKind.Cosine => Cosine(o, t),
            ScheduleKind.OneCycle => OneCycle(o, t),
            _ => throw new ArgumentOutOfRangeException(nameof(o)),
        };
    }

    // PyTorch OneCycleLR defaults: div_factor 25, final_div_factor 1e4, cosine annealing in both phases.
    private static double OneCycle(TrainingOptions o, double t)
    {
        const double start = 1.0 / 25, end = start / 1e4;
        double progress = Math.Clamp(t / o.Epochs, 0, 1);
        static double anneal(double from, double to, double fraction) => to + (from - to) / 2 * (1 + Math.Cos(Math.PI * fraction));
        return progress < o.OneCyclePeak
            ? anneal(start, 1, progress / o.OneCyclePeak)
            : anneal(1, end, (progress - o.OneCyclePeak) / (1 - o.OneCyclePeak));
    }

    private static double Cosine(TrainingOptions o, double t)
    {
        double span = o.Epochs - o.WarmupEpochs;
        double progress = Math.Clamp((t - o.WarmupEpochs) / span, 0, 1);
        return o.MinLearningRateFactor + (1 - o.MinLearningRateFactor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
