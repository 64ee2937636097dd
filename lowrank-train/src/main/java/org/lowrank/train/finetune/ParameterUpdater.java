package org.lowrank.train.finetune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lowrank.train.exec.GraphExecutor;

/**
 * Applies one optimizer step to the executor's parameters in place, after clipping the global
 * gradient norm. Optimizer state (momentum buffers, Adam moments) lives in a sub-manager of the
 * executor; temporaries of a step belong to the caller's batch manager.
 */
final class ParameterUpdater implements AutoCloseable {
  private final FineTuneConfig cfg;
  private final NDManager stateManager;
  private final List<String> names = new ArrayList<>();
  private final List<NDArray> weights = new ArrayList<>();
  private final Map<String, NDArray> first = new HashMap<>();
  private final Map<String, NDArray> second = new HashMap<>();
  private long t;

  ParameterUpdater(FineTuneConfig cfg, GraphExecutor executor) {
    this.cfg = cfg;
    this.stateManager = executor.manager().newSubManager();
    for (Map.Entry<String, Parameter> e : executor.parameters().entrySet()) {
      names.add(e.getKey());
      weights.add(e.getValue().getArray());
    }
  }

  private static NDArray own(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  /**
   * Updates all parameters with learning rate {@code lr}; returns the gradient norm before
   * clipping. A non-finite gradient norm (an overflowing batch) skips the update: parameters and
   * optimizer state stay as they were, and the caller sees the non-finite norm.
   */
  double step(NDManager batch, double lr) {
    List<NDArray> grads = new ArrayList<>(weights.size());
    NDArray total = null;
    for (NDArray w : weights) {
      NDArray g = own(batch, w.getGradient());
      grads.add(g);
      NDArray sq = g.square().sum();
      total = total == null ? sq : total.add(sq);
    }
    double norm = total == null ? 0 : Math.sqrt(total.getFloat());
    if (!Double.isFinite(norm)) {
      return norm;
    }
    t++;
    double scale = 1;
    if (cfg.gradientClipNorm() > 0 && norm > cfg.gradientClipNorm()) {
      scale = cfg.gradientClipNorm() / (norm + 1e-6);
    }
    for (int i = 0; i < weights.size(); i++) {
      NDArray w = weights.get(i);
      NDArray g = scale == 1 ? grads.get(i) : grads.get(i).mul((float) scale);
      boolean decay =
          cfg.weightDecay() > 0 && (cfg.decayAllParameters() || w.getShape().dimension() >= 2);
      String name = names.get(i);
      NDArray update;
      if (cfg.optimizer() == OptimizerKind.SGD_NESTEROV) {
        if (decay) {
          g = g.add(own(batch, w.mul((float) cfg.weightDecay())));
        }
        float mu = (float) cfg.momentum();
        NDArray buf = first.get(name);
        if (buf == null) {
          buf = own(stateManager, g.duplicate());
          first.put(name, buf);
        } else {
          buf.muli(mu).addi(g);
        }
        update = mu > 0 ? g.add(own(batch, buf.mul(mu))) : g;
        w.subi(update.mul((float) lr));
      } else {
        float b1 = (float) cfg.beta1();
        float b2 = (float) cfg.beta2();
        NDArray m = first.get(name);
        NDArray v = second.get(name);
        if (m == null) {
          m = own(stateManager, g.zerosLike());
          v = own(stateManager, g.zerosLike());
          first.put(name, m);
          second.put(name, v);
        }
        m.muli(b1).addi(g.mul(1 - b1));
        v.muli(b2).addi(g.square().mul(1 - b2));
        double c1 = 1 - Math.pow(b1, t);
        double c2 = 1 - Math.pow(b2, t);
        NDArray mHat = own(batch, m.div((float) c1));
        NDArray denom = own(batch, v.div((float) c2)).sqrt().add((float) cfg.adamEpsilon());
        update = mHat.div(denom);
        if (decay) {
          update = update.add(own(batch, w.mul((float) cfg.weightDecay())));
        }
        w.subi(update.mul((float) lr));
      }
    }
    return norm;
  }

  @Override
  public void close() {
    stateManager.close();
  }
}
