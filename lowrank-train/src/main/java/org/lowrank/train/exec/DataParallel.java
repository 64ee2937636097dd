package org.lowrank.train.exec;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Data parallelism over R replicas of one {@link GraphExecutor}: replica 0 is the caller's executor
 * (the primary, not owned), replicas 1..R-1 are copies of its model, parameters and running
 * statistics on further devices (owned, freed by {@link #close()}). One training step:
 *
 * <ol>
 *   <li>split the batch of N examples into shards of n_k = floor(N/R) or floor(N/R)+1 examples
 *       ({@link #shardSizes}); a batch of N < R examples uses the first N replicas only;
 *   <li>on each replica k, forward and backward of (n_k / N) L_k, where L_k is the shard's mean
 *       loss, so the gradients sum to the gradient of the full batch's mean loss;
 *   <li>{@link #reduceGradients}: g_0 += sum_{k>0} g_k, moved to the primary's device;
 *   <li>one optimizer update of the primary's parameters;
 *   <li>{@link #synchronize}: copy the primary's parameters to every replica, and set every
 *       replica's BatchNormalization running statistics to sum_k (n_k / N) s_k.
 * </ol>
 *
 * <p>BatchNormalization in training mode normalizes each shard by the shard's own batch statistics
 * (as PyTorch's DistributedDataParallel does without SyncBatchNorm), so with BatchNormalization a
 * step over R replicas equals R gradient-accumulation passes over the shards on one device, not one
 * pass over the whole batch. The averaged running mean is the one of the whole batch; the averaged
 * running variance lacks the spread between the shard means.
 *
 * <p>Replicas run one after the other on the calling thread (DJL allows one gradient collector at a
 * time): on GPUs their kernels still overlap, as CUDA launches are asynchronous and nothing waits
 * for a device between the replicas' backward passes. Not thread-safe.
 */
public final class DataParallel implements AutoCloseable {
  private final GraphExecutor primary;
  private final List<GraphExecutor> replicas = new ArrayList<>();

  private DataParallel(GraphExecutor primary) {
    this.primary = primary;
    replicas.add(primary);
  }

  /**
   * Replicas of {@code primary} on {@code more} (the devices of replicas 1..R-1; empty for a single
   * device), with the primary's current parameters and running statistics and the same trainable
   * parameters.
   */
  public static DataParallel of(GraphExecutor primary, List<Device> more) {
    Objects.requireNonNull(primary, "primary");
    DataParallel dp = new DataParallel(primary);
    try {
      for (Device d : more) {
        dp.replicas.add(
            GraphExecutor.builder(primary.model())
                .optTrainable(primary.parameters()::containsKey)
                .optDevice(d)
                .build());
      }
      dp.broadcast(dp.replicas.size());
    } catch (RuntimeException e) {
      dp.close();
      throw e;
    }
    return dp;
  }

  /** Number of replicas R (1 = no data parallelism). */
  public int size() {
    return replicas.size();
  }

  /** Replica {@code k}; 0 is the primary. */
  public GraphExecutor replica(int k) {
    return replicas.get(k);
  }

  /** The replicas, primary first. */
  public List<GraphExecutor> replicas() {
    return Collections.unmodifiableList(replicas);
  }

  /**
   * Shard sizes of a batch of {@code n} examples over {@code replicas} replicas: min(n, R) shards
   * in replica order, the first n mod R of them one example larger.
   *
   * @throws IllegalArgumentException when {@code n < 1} or {@code replicas < 1}
   */
  public static int[] shardSizes(int n, int replicas) {
    if (n < 1 || replicas < 1) {
      throw new IllegalArgumentException(
          "data parallelism: a batch of " + n + " examples over " + replicas + " replicas");
    }
    int used = Math.min(n, replicas);
    int[] sizes = new int[used];
    for (int k = 0; k < used; k++) {
      sizes[k] = n / used + (k < n % used ? 1 : 0);
    }
    return sizes;
  }

  /**
   * Adds the parameter gradients of replicas 1..{@code used}-1 into the primary's (in place, moved
   * to the primary's device); replicas from {@code used} on ran no shard this step.
   */
  public void reduceGradients(int used) {
    if (used < 2) {
      return;
    }
    Device d0 = primary.manager().getDevice();
    try (NDManager tmp = primary.manager().newSubManager()) {
      for (Map.Entry<String, Parameter> e : primary.parameters().entrySet()) {
        NDArray g0 = own(tmp, e.getValue().getArray().getGradient());
        for (int k = 1; k < used; k++) {
          NDArray gk =
              own(tmp, replicas.get(k).parameters().get(e.getKey()).getArray().getGradient());
          g0.addi(own(tmp, gk.toDevice(d0, false)));
        }
      }
    }
  }

  /** Zeroes every replica's parameter gradients. */
  public void zeroGradients() {
    for (GraphExecutor r : replicas) {
      r.zeroGradients();
    }
  }

  /**
   * After the primary's update: copies its parameters to every replica and sets every replica's
   * running statistics (the primary's too) to sum_{k < used} (n_k / N) s_k, the shard-weighted mean
   * of what the replicas that ran a shard computed.
   *
   * @param shards the step's shard sizes ({@link #shardSizes}), n_k for replica k
   */
  public void synchronize(int[] shards) {
    if (replicas.size() < 2) {
      return;
    }
    averageState(shards);
    broadcast(replicas.size());
  }

  private void averageState(int[] shards) {
    if (shards.length < 2) {
      // only the primary ran a shard (shards go to replicas in order): its statistics stand
      return;
    }
    long total = 0;
    for (int n : shards) {
      total += n;
    }
    Device d0 = primary.manager().getDevice();
    for (String name : primary.stateNames()) {
      try (NDManager tmp = primary.manager().newSubManager()) {
        NDArray mean = null;
        for (int k = 0; k < shards.length; k++) {
          NDArray s = own(tmp, replicas.get(k).stateArray(name).toDevice(d0, true));
          NDArray term = s.mul((float) shards[k] / total);
          mean = mean == null ? term : mean.add(term);
        }
        primary.updateState(name, mean); // keeps its own handle; tmp frees the temporaries
      }
    }
  }

  /** Copies the primary's parameters and running statistics to replicas 1..upTo-1. */
  private void broadcast(int upTo) {
    for (int k = 1; k < upTo; k++) {
      GraphExecutor r = replicas.get(k);
      Device dk = r.manager().getDevice();
      try (NDManager tmp = r.manager().newSubManager()) {
        for (Map.Entry<String, Parameter> e : primary.parameters().entrySet()) {
          NDArray src = own(tmp, e.getValue().getArray().toDevice(dk, true));
          r.parameters().get(e.getKey()).getArray().set(new NDIndex("..."), src);
        }
        for (String name : primary.stateNames()) {
          r.updateState(name, own(tmp, primary.stateArray(name).toDevice(dk, true)));
        }
      }
    }
  }

  private static NDArray own(NDManager m, NDArray a) {
    a.attach(m);
    return a;
  }

  /** Frees replicas 1..R-1 (the primary stays the caller's). */
  @Override
  public void close() {
    for (int k = replicas.size() - 1; k >= 1; k--) {
      replicas.get(k).close();
    }
    replicas.subList(1, replicas.size()).clear();
  }
}
