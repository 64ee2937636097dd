package org.lowrank.pipeline;

import java.util.Locale;
import org.lowrank.train.finetune.FineTuneListener;
import org.lowrank.train.finetune.FineTuneSettings;

/** Forwards fine-tuning steps and epochs to a pipeline listener as one progress step per epoch. */
final class FineTuneProgress implements FineTuneListener {
  private final PipelineListener listener;
  private final long stepsPerEpoch;
  private final int epochs;
  private int currentEpoch = -1;

  FineTuneProgress(PipelineListener listener, long stepsPerEpoch, FineTuneSettings settings) {
    this.listener = listener;
    this.stepsPerEpoch = settings.steps() > 0 ? settings.steps() : stepsPerEpoch;
    this.epochs = settings.steps() > 0 ? 1 : settings.epochs();
  }

  @Override
  public void onStep(StepEvent e) {
    if (e.epoch() != currentEpoch) {
      currentEpoch = e.epoch();
      listener.start("fine-tune epoch " + (e.epoch() + 1) + "/" + epochs, stepsPerEpoch);
    }
    long inEpoch = e.step() - (long) e.epoch() * stepsPerEpoch;
    listener.progress(
        Math.max(0, inEpoch),
        String.format(
            Locale.ROOT,
            "loss %.3f acc %.1f%% lr %.2g %.0f img/s",
            e.loss(),
            100 * e.batchTop1(),
            e.learningRate(),
            e.imagesPerSecond()));
  }

  @Override
  public void onEpoch(EpochEvent e) {
    listener.finish(
        String.format(
            Locale.ROOT,
            "train loss %.3f, acc %.1f%%%s",
            e.trainLoss(),
            100 * e.trainTop1(),
            e.validation() == null
                ? ""
                : String.format(Locale.ROOT, ", val %.1f%%", 100 * e.validation().top1())));
  }
}
