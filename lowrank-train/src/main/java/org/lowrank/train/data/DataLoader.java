package org.lowrank.train.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Batches of an {@link ImageDataset}: optional seeded shuffling (a new permutation per epoch),
 * train-time {@link Augmentation}, {@link Normalization}, and decoding of the next batch on a
 * background thread while the current one is used. Only one batch ahead is held in memory.
 */
public final class DataLoader {
  private static final ExecutorService PREFETCH =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "lowrank-data-prefetch");
            t.setDaemon(true);
            return t;
          });

  private final ImageDataset dataset;
  private final int batchSize;
  private final Long shuffleSeed;
  private final Normalization normalization;
  private final Augmentation augmentation;
  private final boolean dropLast;
  private final boolean prefetch;

  private DataLoader(Builder b) {
    this.dataset = b.dataset;
    this.batchSize = b.batchSize;
    this.shuffleSeed = b.shuffleSeed;
    this.normalization = b.normalization;
    this.augmentation = b.augmentation;
    this.dropLast = b.dropLast;
    this.prefetch = b.prefetch;
    normalization.check(dataset.channels());
  }

  public static Builder builder(ImageDataset dataset) {
    return new Builder(dataset);
  }

  /** Builder: {@code setBatchSize} is required. */
  public static final class Builder {
    private final ImageDataset dataset;
    private int batchSize;
    private Long shuffleSeed;
    private Normalization normalization = Normalization.unit();
    private Augmentation augmentation;
    private boolean dropLast;
    private boolean prefetch = true;

    private Builder(ImageDataset dataset) {
      this.dataset = Objects.requireNonNull(dataset, "dataset");
    }

    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Shuffles every epoch with a permutation derived from {@code seed} and the epoch number. */
    public Builder optShuffle(long seed) {
      this.shuffleSeed = seed;
      return this;
    }

    public Builder optNormalization(Normalization n) {
      this.normalization = Objects.requireNonNull(n);
      return this;
    }

    public Builder optAugmentation(Augmentation a) {
      this.augmentation = a;
      return this;
    }

    /** Drops a last incomplete batch (default: keep it). */
    public Builder optDropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Decodes the next batch on a background thread (default true). */
    public Builder optPrefetch(boolean prefetch) {
      this.prefetch = prefetch;
      return this;
    }

    public DataLoader build() {
      if (batchSize <= 0) {
        throw new IllegalArgumentException(
            "setBatchSize(n) with n > 0 is required, got " + batchSize);
      }
      if (dataset.size() == 0) {
        throw new IllegalArgumentException("dataset " + dataset.description() + " is empty");
      }
      return new DataLoader(this);
    }
  }

  public ImageDataset dataset() {
    return dataset;
  }

  public int batchSize() {
    return batchSize;
  }

  /** Number of batches one epoch yields. */
  public int batchesPerEpoch() {
    int n = dataset.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** Number of examples one epoch yields. */
  public int examplesPerEpoch() {
    return dropLast ? batchesPerEpoch() * batchSize : dataset.size();
  }

  /**
   * The batches of epoch {@code epoch} (0-based); the order and augmentation depend only on the
   * seeds and the epoch. I/O errors surface as {@link UncheckedIOException}.
   */
  public Iterator<Batch> epoch(int epoch) {
    int n = dataset.size();
    int[] order =
        shuffleSeed == null
            ? Datasets.permutation(n, 0)
            : Datasets.permutation(n, shuffleSeed * 0x9E3779B97F4A7C15L + epoch);
    if (shuffleSeed == null) {
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
    }
    SplittableRandom aug =
        augmentation == null
            ? null
            : new SplittableRandom(augmentation.seed() * 0xC2B2AE3D27D4EB4FL + epoch);
    int batches = batchesPerEpoch();
    return new Iterator<>() {
      private int next;
      private CompletableFuture<Batch> pending = schedule(0);

      private CompletableFuture<Batch> schedule(int b) {
        if (b >= batches) {
          return null;
        }
        if (!prefetch) {
          return CompletableFuture.completedFuture(build(order, b, aug));
        }
        return CompletableFuture.supplyAsync(() -> build(order, b, aug), PREFETCH);
      }

      @Override
      public boolean hasNext() {
        return next < batches;
      }

      @Override
      public Batch next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Batch b;
        try {
          b = pending.join();
        } catch (CompletionException e) {
          if (e.getCause() instanceof RuntimeException r) {
            throw r;
          }
          throw e;
        }
        next++;
        pending = schedule(next);
        return b;
      }
    };
  }

  /** Builds batch {@code b}; the augmentation stream is consumed in batch order. */
  private Batch build(int[] order, int b, SplittableRandom aug) {
    int from = b * batchSize;
    int to = Math.min(order.length, from + batchSize);
    int size = to - from;
    int c = dataset.channels();
    int h = dataset.height();
    int w = dataset.width();
    int plane = h * w;
    float[] data = new float[size * c * plane];
    int[] labels = new int[size];
    int[] indices = new int[size];
    float[] scale = new float[c];
    float[] shift = new float[c];
    for (int ch = 0; ch < c; ch++) {
      scale[ch] = 1f / (255f * normalization.stdOf(ch));
      shift[ch] = -normalization.meanOf(ch) / normalization.stdOf(ch);
    }
    for (int i = 0; i < size; i++) {
      int idx = order[from + i];
      ImageDataset.Example ex;
      try {
        ex = dataset.get(idx);
      } catch (IOException e) { // a DatasetException, which names the file already, passes through
        throw new UncheckedIOException(
            "reading example " + idx + " of " + dataset.description() + ": " + e.getMessage(), e);
      }
      if (ex.pixels().length != c * plane) {
        throw new IllegalStateException(
            dataset.description()
                + ": example "
                + idx
                + " has "
                + ex.pixels().length
                + " pixels, expected "
                + c
                + "x"
                + h
                + "x"
                + w);
      }
      labels[i] = ex.label();
      indices[i] = idx;
      int dy = 0;
      int dx = 0;
      boolean flip = false;
      if (aug != null) {
        int p = augmentation.cropPadding();
        synchronized (aug) {
          dy = p == 0 ? 0 : aug.nextInt(2 * p + 1) - p;
          dx = p == 0 ? 0 : aug.nextInt(2 * p + 1) - p;
          flip = augmentation.horizontalFlip() && aug.nextBoolean();
        }
      }
      byte[] px = ex.pixels();
      int base = i * c * plane;
      for (int ch = 0; ch < c; ch++) {
        float sc = scale[ch];
        float sh = shift[ch];
        int off = ch * plane;
        for (int y = 0; y < h; y++) {
          int sy = y + dy;
          for (int x = 0; x < w; x++) {
            int sx = (flip ? w - 1 - x : x) + dx;
            int v = sy < 0 || sy >= h || sx < 0 || sx >= w ? 0 : px[off + sy * w + sx] & 0xff;
            data[base + off + y * w + x] = v * sc + sh;
          }
        }
      }
    }
    return new Batch(data, size, c, h, w, labels, indices);
  }
}
