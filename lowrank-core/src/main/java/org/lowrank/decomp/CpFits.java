package org.lowrank.decomp;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.lowrank.linalg.LinearAlgebra;
import org.lowrank.linalg.SymmetricEigen;
import org.lowrank.tensor.DenseTensor;

/**
 * CP-ALS fits kept for {@link CpAls#resume}: the energy selector scores a CP rank with the first
 * sweeps of the fit {@code compress} deploys (same SVD start and seed), so the deployed fit of that
 * layer and rank can start where the score stopped instead of running those sweeps again. Keyed by
 * the fitted tensor (shape and a 64-bit hash of its contents), the seed and the rank; at most
 * {@code maxBytes} of factors are kept, the oldest dropped first (a dropped fit is only run again).
 * Thread-safe.
 */
public final class CpFits {
  private final long maxBytes;
  private final Map<Key, CpAls.Fit> fits = new LinkedHashMap<>();
  private long bytes;
  private DenseTensor lastTensor;
  private int[] lastShape;
  private double[] lastData;
  private final Map<Integer, double[]> grams = new java.util.HashMap<>();
  private final Map<Integer, SymmetricEigen> eigens = new java.util.HashMap<>();

  /**
   * @param maxBytes the most factor bytes kept (8 R sum_n I_n per fit)
   */
  public CpFits(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("CP fit cache size must be >= 0, found " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  private record Key(int[] shape, long hash, long seed, int rank) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k
          && Arrays.equals(shape, k.shape)
          && hash == k.hash
          && seed == k.seed
          && rank == k.rank;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(hash) * 31 + Arrays.hashCode(shape) + 17 * rank + Long.hashCode(seed);
    }
  }

  private static Key key(DenseTensor x, long seed, int rank) {
    return new Key(x.shape(), contentHash(x), seed, rank);
  }

  /** FNV-1a over the bits of every entry, row-major: equal for equal contents. */
  static long contentHash(DenseTensor x) {
    long h = 0xcbf29ce484222325L;
    for (double v : x.toArray()) {
      h = (h ^ Double.doubleToLongBits(v)) * 0x100000001b3L;
    }
    return h;
  }

  /** The fit of {@code x} at {@code rank} from {@code seed}'s start, if one is kept. */
  public synchronized Optional<CpAls.Fit> get(DenseTensor x, long seed, int rank) {
    return Optional.ofNullable(fits.get(key(x, seed, rank)));
  }

  /**
   * {@code als}'s fit of {@code x} at {@code rank} ({@code als} starting from {@code seed}):
   * continued ({@link CpAls#resume}) from a kept fit of at most {@code plain} sweeps, the ones
   * {@code als} runs without line search, else run whole; kept in turn when it ran no more than
   * those.
   */
  public CpAls.Fit fit(CpAls als, DenseTensor x, long seed, int rank, int plain) {
    Key key = key(x, seed, rank);
    CpAls.Fit start;
    synchronized (this) {
      start = fits.get(key);
    }
    CpAls.Fit f =
        start != null && start.iterations() <= plain ? als.resume(x, start) : als.fit(x, rank);
    if (f.iterations() <= plain) {
      put(key, f);
    }
    return f;
  }

  private synchronized void put(Key key, CpAls.Fit fit) {
    long size = bytes(fit.tensor());
    if (size > maxBytes) {
      return;
    }
    if (fits.put(key, fit) == null) {
      bytes += size; // a fit replaced under the same key has the same shape and rank
    }
    Iterator<CpAls.Fit> it = fits.values().iterator();
    while (bytes > maxBytes && it.hasNext()) {
      bytes -= bytes(it.next().tensor());
      it.remove();
    }
  }

  /** 8 R sum_n I_n: the factor bytes of {@code t}. */
  private static long bytes(CpTensor t) {
    return 8L * t.rank() * Arrays.stream(t.shape()).asLongStream().sum();
  }

  /**
   * The spectrum of the mode-{@code mode} unfolding of {@code x} that the CP SVD start needs, as
   * {@link LeftSpectrum#ofMode} computes it (bit for bit), with the Gram matrices and their full
   * eigendecompositions kept for the last tensor asked about: a rank search fits one layer at
   * several ranks in a row, and each fit starts from the same unfoldings.
   */
  synchronized LeftSpectrum startSpectrum(LinearAlgebra la, DenseTensor x, int mode, int needed) {
    int rows = x.dim(mode);
    int cols = rows == 0 ? 0 : x.size() / rows;
    if (!LeftSpectrum.isWide(rows, cols, false, needed)) {
      return LeftSpectrum.ofMode(la, x, mode, false, needed);
    }
    if (x != lastTensor) { // the modes of one fit ask about the same tensor: compared once
      double[] data = x.toArray();
      if (!(Arrays.equals(lastShape, x.shape()) && Arrays.equals(lastData, data))) {
        lastShape = x.shape();
        lastData = data;
        grams.clear();
        eigens.clear();
      }
      lastTensor = x;
    }
    double[] gram =
        grams.computeIfAbsent(
            mode, k -> la.gram(LeftSpectrum.unfolding(x, mode), rows, cols, true));
    return LeftSpectrum.wide(
        la,
        gram,
        rows,
        needed,
        () -> eigens.computeIfAbsent(mode, k -> la.symmetricEigen(gram, rows)));
  }

  /** How many fits are kept. */
  public synchronized int size() {
    return fits.size();
  }
}
