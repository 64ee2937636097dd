package org.lowrank.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The stages' packages point down only: {@code cost} is below both {@code analysis} and {@code plan}
 * and depends on neither; {@code analysis} (stage 2) does not depend on {@code plan} (stage 3). Checked
 * on the sources (imports and fully qualified names), so a test-only dependency cannot hide one.
 */
class PackageLayeringTest {
  private static final Path MAIN = Path.of("src", "main", "java", "org", "lowrank");

  /** "file: org.lowrank.x.Y" for every reference from {@code pkg}'s sources into {@code forbidden}. */
  static List<String> references(Path root, String pkg, String forbidden) throws IOException {
    Path dir = root.resolve(pkg.replace('.', '/'));
    assertTrue(Files.isDirectory(dir), "no package directory " + dir.toAbsolutePath());
    Pattern p = Pattern.compile("\\borg\\.lowrank\\." + Pattern.quote(forbidden) + "\\.[\\w.]+");
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).flatMap(f -> {
        try {
          Matcher m = p.matcher(Files.readString(f));
          return m.results().map(r -> root.relativize(f) + ": " + r.group()).toList().stream();
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
    }
  }

  @Test
  void analysisDoesNotDependOnPlan() throws IOException {
    assertEquals(List.of(), references(MAIN, "analysis", "plan"));
  }

  @Test
  void costDependsOnNeitherAnalysisNorPlan() throws IOException {
    assertEquals(List.of(), references(MAIN, "cost", "plan"));
    assertEquals(List.of(), references(MAIN, "cost", "analysis"));
  }

  @Test
  void theScanFindsAReference(@org.junit.jupiter.api.io.TempDir Path tmp) throws IOException {
    Path f = tmp.resolve("analysis/X.java");
    Files.createDirectories(f.getParent());
    Files.writeString(f, "package org.lowrank.analysis;\nimport org.lowrank.plan.Budget;\n");
    assertEquals(List.of("analysis/X.java: org.lowrank.plan.Budget"), references(tmp, "analysis", "plan"));
  }
}
