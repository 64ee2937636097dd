package org.lowrank.train.data;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;

/** Dataset helpers: subsets and seeded random limits. */
public final class Datasets {
  private Datasets() {}

  /** The examples of {@code base} at {@code indices}, in that order (the base stays open). */
  public static ImageDataset subset(ImageDataset base, int[] indices) {
    for (int i : indices) {
      if (i < 0 || i >= base.size()) {
        throw new IllegalArgumentException(
            "index " + i + " out of range for " + base.description() + " of size " + base.size());
      }
    }
    int[] idx = indices.clone();
    return new ImageDataset() {
      @Override
      public int size() {
        return idx.length;
      }

      @Override
      public int channels() {
        return base.channels();
      }

      @Override
      public int height() {
        return base.height();
      }

      @Override
      public int width() {
        return base.width();
      }

      @Override
      public List<String> classNames() {
        return base.classNames();
      }

      @Override
      public boolean classNamesDeclared() {
        return base.classNamesDeclared();
      }

      @Override
      public Example get(int index) throws IOException {
        return base.get(idx[index]);
      }

      @Override
      public String description() {
        return base.description() + " (subset of " + idx.length + ")";
      }
    };
  }

  /**
   * Checks that a model with {@code numScores} scores (logits) per image can be judged on {@code
   * ds}: with declared classes ({@link ImageDataset#classNamesDeclared()}) their count must equal
   * {@code numScores}, since label {@code i} is score {@code i}; a class folder missing from every
   * split, or a stray one, would otherwise shift labels silently.
   *
   * @throws IllegalArgumentException naming both counts
   */
  public static void requireClassCount(ImageDataset ds, long numScores) {
    if (ds.classNamesDeclared() && ds.numClasses() != numScores) {
      throw new IllegalArgumentException(
          ds.description()
              + " has "
              + ds.numClasses()
              + " classes "
              + abbreviate(ds.classNames())
              + " but the model outputs "
              + numScores
              + " scores per image; the classes (folders) must be the model's, in its label order:"
              + " add the missing class folders or remove stray ones");
    }
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 20
        ? names.toString()
        : names.subList(0, 20).toString().replace("]", ", ... (" + names.size() + ")]");
  }

  /** {@code n} examples drawn without replacement with the given seed (all if n >= size). */
  public static ImageDataset limit(ImageDataset base, int n, long seed) {
    if (n >= base.size()) {
      return base;
    }
    int[] perm = permutation(base.size(), seed);
    int[] idx = new int[n];
    System.arraycopy(perm, 0, idx, 0, n);
    java.util.Arrays.sort(idx);
    return subset(base, idx);
  }

  /**
   * A training set and a disjoint held-out set, drawn from one seeded permutation P of {@code
   * base}: the held-out examples are the last {@code heldOut} of P, the training examples the first
   * {@code trainLimit} of the rest (all of the rest when 0). So the training examples are those of
   * {@link #limit(ImageDataset, int, long)} with the same seed whenever they fit beside the
   * held-out ones, and adding a held-out set does not change what is trained on.
   *
   * @param heldOut examples to hold out, in [0, size)
   * @param trainLimit examples to train on (0 = all that are not held out)
   * @return the two subsets; {@code heldOut} is null when 0 examples are held out
   */
  public static Split holdOut(ImageDataset base, int trainLimit, int heldOut, long seed) {
    if (heldOut < 0 || heldOut >= base.size() || trainLimit < 0) {
      throw new IllegalArgumentException(
          "cannot hold out "
              + heldOut
              + " of the "
              + base.size()
              + " examples of "
              + base.description()
              + " and train on "
              + trainLimit);
    }
    if (heldOut == 0) {
      return new Split(trainLimit > 0 ? limit(base, trainLimit, seed) : base, null);
    }
    int[] perm = permutation(base.size(), seed);
    int pool = base.size() - heldOut;
    int[] train = java.util.Arrays.copyOf(perm, trainLimit > 0 ? Math.min(trainLimit, pool) : pool);
    int[] held = java.util.Arrays.copyOfRange(perm, pool, perm.length);
    java.util.Arrays.sort(train);
    java.util.Arrays.sort(held);
    return new Split(subset(base, train), subset(base, held));
  }

  /** A training set and the examples held out of it (null when none). */
  public record Split(ImageDataset train, ImageDataset heldOut) {}

  /** The first {@code n} examples. */
  public static ImageDataset first(ImageDataset base, int n) {
    int m = Math.min(n, base.size());
    int[] idx = new int[m];
    for (int i = 0; i < m; i++) {
      idx[i] = i;
    }
    return subset(base, idx);
  }

  /** A seeded Fisher-Yates permutation of 0..n-1. */
  public static int[] permutation(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
