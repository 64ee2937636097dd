package org.lowrank.cli;

import java.util.List;
import picocli.CommandLine;

/**
 * Checks of option combinations that picocli cannot state: an option given where it would be
 * silently ignored, or a count below zero, is refused with a message that names the option. The
 * errors are {@link IllegalArgumentException}s, so the exit code is {@link ExitCodes#BAD_INPUT}.
 */
final class OptionChecks {
  private OptionChecks() {}

  /** The options among {@code names} that were given on the command line of {@code spec}. */
  static List<String> given(CommandLine.Model.CommandSpec spec, String... names) {
    CommandLine.ParseResult parsed = spec == null ? null : spec.commandLine().getParseResult();
    if (parsed == null) {
      return List.of();
    }
    return java.util.Arrays.stream(names).filter(parsed::hasMatchedOption).toList();
  }

  /**
   * Refuses the options among {@code names} that were given, because they would have no effect.
   *
   * @param why why they have none, e.g. "they need --data PATH"
   * @param fix what to do, e.g. "add --data or drop them"
   */
  static void refuseGiven(
      CommandLine.Model.CommandSpec spec, String why, String fix, String... names) {
    List<String> found = given(spec, names);
    if (!found.isEmpty()) {
      throw new IllegalArgumentException(
          String.join(", ", found)
              + (found.size() == 1 ? " has" : " have")
              + " no effect here: "
              + why
              + "; "
              + fix);
    }
  }

  /** {@code value} if it is at least 0, else an error naming {@code option}. */
  static int nonNegative(String option, int value, String zeroMeans) {
    if (value < 0) {
      throw new IllegalArgumentException(
          option + " takes a count >= 0 (0 = " + zeroMeans + "), found " + value);
    }
    return value;
  }
}
