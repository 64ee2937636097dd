package org.lowrank.runtime;

import ai.onnxruntime.OrtEnvironment;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ONNX Runtime environment, without the litter its Java loader leaves in the temporary
 * directory. ORT 1.29 unpacks its native libraries into a fresh {@code onnxruntime-java*} directory
 * on every start and marks the directory and the libraries for deletion on exit in the order that
 * leaves the directory behind (the JVM deletes the directory first, while it still holds the
 * libraries): one empty directory per run. So on first use this class registers a shutdown hook
 * that removes this process's directory with its libraries (unlinking a loaded library is safe on
 * Linux and macOS; not done on Windows), and removes empty {@code onnxruntime-java*} directories
 * older than {@link #STALE_AFTER} that earlier runs left. A directory in use is never empty (it
 * holds the loaded libraries), so only leftovers go.
 *
 * <p>The {@code /tmp/mat-debug-<pid>.log} file comes from ORT 1.29's telemetry on Linux, which the
 * environment variable {@code ORT_DISABLE_TELEMETRY=1} turns off before the library starts; the
 * launcher and the build set it (a running JVM cannot set its own environment).
 */
public final class OrtNatives {
  private static final Logger LOG = LoggerFactory.getLogger(OrtNatives.class);

  /** Empty ORT directories older than this are an earlier run's leftovers. */
  public static final Duration STALE_AFTER = Duration.ofMinutes(10);

  private static final String PREFIX = "onnxruntime-java";
  private static boolean hooked;

  private OrtNatives() {}

  /** {@link OrtEnvironment#getEnvironment()}, cleaning up ORT's temporary directories. */
  public static synchronized OrtEnvironment environment() {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    if (!hooked) {
      hooked = true;
      Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
      removeStale(tmp, Instant.now().minus(STALE_AFTER));
      ortTempDirectory()
          .ifPresent(
              dir -> {
                if (!System.getProperty("os.name", "")
                    .toLowerCase(java.util.Locale.ROOT)
                    .contains("win")) {
                  Runtime.getRuntime()
                      .addShutdownHook(new Thread(() -> removeTree(dir), "ort-temp-cleanup"));
                }
              });
    }
    return env;
  }

  /** The directory this process's ORT unpacked its libraries into, when it can be found. */
  static java.util.Optional<Path> ortTempDirectory() {
    try {
      Field f = Class.forName("ai.onnxruntime.OnnxRuntime").getDeclaredField("tempDirectory");
      f.setAccessible(true);
      Object v = f.get(null);
      return v instanceof Path p ? java.util.Optional.of(p) : java.util.Optional.empty();
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("ONNX Runtime's temporary directory not found ({}); not cleaning it", e.toString());
      return java.util.Optional.empty();
    }
  }

  /**
   * Removes empty {@code onnxruntime-java*} directories in {@code tmp} last modified before {@code
   * cutoff}.
   */
  static List<Path> removeStale(Path tmp, Instant cutoff) {
    List<Path> removed = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tmp, PREFIX + "*")) {
      for (Path d : dirs) {
        try {
          FileTime t = Files.getLastModifiedTime(d);
          if (Files.isDirectory(d) && t.toInstant().isBefore(cutoff)) {
            Files.delete(d); // fails unless empty: a directory in use holds its libraries
            removed.add(d);
          }
        } catch (IOException e) {
          // not empty, not ours, or gone already: leave it
        }
      }
    } catch (IOException e) {
      LOG.debug("could not list {}: {}", tmp, e.toString());
    }
    if (!removed.isEmpty()) {
      LOG.info(
          "removed {} empty ONNX Runtime directories left in {} by earlier runs",
          removed.size(),
          tmp);
    }
    return removed;
  }

  private static void removeTree(Path dir) {
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      // best effort at exit: nothing to report to
    }
  }
}
