package org.lowrank.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.lowrank.plan.select.LayerTimer;
import org.lowrank.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paired layer timings kept on disk, so that a second plan of the same layers on the same machine
 * is fast. One file per machine key ({@link #machineKey}: CPU model, ONNX Runtime version, intra-op
 * threads) in the cache directory ({@link #defaultDirectory}), named after a hash of the key, which
 * its first line repeats; each further line is {@code
 * ENTRY<TAB>originalMillis<TAB>factorizedMillis}. Every new entry rewrites the file atomically,
 * merged with what other runs wrote meanwhile. A file that cannot be parsed is logged as a warning
 * and ignored (its layers are timed again and the file rewritten); a file of another key (a hash
 * collision) is treated the same way.
 */
public final class LatencyCache {
  private static final Logger LOG = LoggerFactory.getLogger(LatencyCache.class);

  /** Environment variable naming the cache directory. */
  public static final String ENV = "LOWRANK_LATENCY_CACHE";

  private static final String MAGIC = "lowrank-latency-cache 1";

  private final Path file; // null = in memory only
  private final String key;
  private final Map<String, LayerTimer.Timing> entries = new LinkedHashMap<>();

  private LatencyCache(Path file, String key) {
    this.file = file;
    this.key = key;
    if (file != null) {
      entries.putAll(read(file, key));
    }
  }

  /** A cache in {@code directory} for the timings of machine {@code machineKey}. */
  public static LatencyCache open(Path directory, String machineKey) {
    return new LatencyCache(directory.resolve(fileName(machineKey)), machineKey);
  }

  /** A cache that forgets everything when the process ends (tests, --no-latency-cache). */
  public static LatencyCache inMemory(String machineKey) {
    return new LatencyCache(null, machineKey);
  }

  /**
   * ${LOWRANK_LATENCY_CACHE}, else ${XDG_CACHE_HOME}/lowrank/latency, else
   * ~/.cache/lowrank/latency.
   */
  public static Path defaultDirectory() {
    String env = System.getenv(ENV);
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("lowrank").resolve("latency");
  }

  /**
   * What timings depend on: the CPU model (from /proc/cpuinfo, else the architecture and core
   * count), the ONNX Runtime version and the intra-op thread count.
   */
  public static String machineKey(int threads) {
    return "cpu "
        + cpuModel()
        + " | onnxruntime "
        + OrtNatives.environment().getVersion()
        + " | threads "
        + threads;
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("no /proc/cpuinfo: {}", e.toString());
    }
    return System.getProperty("os.arch") + " x" + Runtime.getRuntime().availableProcessors();
  }

  /** The file, or empty for an in-memory cache. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  public String key() {
    return key;
  }

  public int size() {
    return entries.size();
  }

  /** The entries' keys, in the order they were read or recorded. */
  java.util.Set<String> keysForTest() {
    return entries.keySet();
  }

  public Optional<LayerTimer.Timing> get(String entry) {
    return Optional.ofNullable(entries.get(entry));
  }

  /** Records a timing and, for a file cache, rewrites the file atomically. */
  public void put(String entry, LayerTimer.Timing t) {
    if (entry.contains("\t") || entry.contains("\n")) {
      throw new IllegalArgumentException("cache entry with a tab or line break: " + entry);
    }
    entries.put(entry, t);
    if (file == null) {
      return;
    }
    try {
      Files.createDirectories(file.getParent());
      Map<String, LayerTimer.Timing> merged = new LinkedHashMap<>(read(file, key));
      merged.putAll(entries);
      StringBuilder sb = new StringBuilder(MAGIC).append('\t').append(key).append('\n');
      merged.forEach(
          (k, v) ->
              sb.append(k)
                  .append('\t')
                  .append(Double.toString(v.originalMillis()))
                  .append('\t')
                  .append(Double.toString(v.factorizedMillis()))
                  .append('\n'));
      AtomicFiles.writeString(file, sb.toString());
    } catch (IOException e) {
      LOG.warn(
          "latency cache {}: cannot write ({}); timings are kept for this run only",
          file,
          e.toString());
    }
  }

  private static Map<String, LayerTimer.Timing> read(Path file, String key) {
    Map<String, LayerTimer.Timing> out = new LinkedHashMap<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return out;
    } catch (IOException | RuntimeException e) {
      LOG.warn(
          "latency cache {} cannot be read ({}): ignoring it, the layers are timed again",
          file,
          e.toString());
      return out;
    }
    if (lines.isEmpty() || !lines.get(0).equals(MAGIC + "\t" + key)) {
      LOG.warn(
          "latency cache {}: expected the header '{}<TAB>{}', found '{}': ignoring the file, the "
              + "layers are timed again and the file rewritten",
          file,
          MAGIC,
          key,
          lines.isEmpty() ? "" : lines.get(0));
      return out;
    }
    for (int i = 1; i < lines.size(); i++) {
      String[] f = lines.get(i).split("\t", -1);
      try {
        if (f.length != 3) {
          throw new NumberFormatException(f.length + " fields instead of 3");
        }
        double o = Double.parseDouble(f[1]);
        double r = Double.parseDouble(f[2]);
        if (!(o > 0 && r > 0)) {
          throw new NumberFormatException("times must be > 0");
        }
        out.put(f[0], new LayerTimer.Timing(o, r));
      } catch (NumberFormatException e) {
        LOG.warn(
            "latency cache {} is corrupt at line {} ({}): ignoring the file, the layers are timed "
                + "again and the file rewritten",
            file,
            i + 1,
            e.getMessage());
        return new LinkedHashMap<>();
      }
    }
    return out;
  }

  private static String fileName(String key) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
      return "latency-" + HexFormat.of().formatHex(h, 0, 8).toLowerCase(Locale.ROOT) + ".tsv";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
