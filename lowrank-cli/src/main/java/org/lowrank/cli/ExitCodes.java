package org.lowrank.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.lowrank.LowrankException;
import org.lowrank.LowrankException.Kind;

/**
 * Named exit codes of the {@code lowrank} command, and the one mapping from failures to them: a
 * failure's {@link Kind} (lowrank's own exceptions carry one; a few JDK exceptions are given one
 * here) decides its code.
 */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;

  /** A bug or an unexpected failure inside lowrank. */
  public static final int INTERNAL = 1;

  /** Bad input: wrong path, malformed model or data, impossible budget or rank, bad options. */
  public static final int BAD_INPUT = 2;

  /** A well-formed model that uses something lowrank does not support (an operator, a layout). */
  public static final int UNSUPPORTED = 3;

  /**
   * The compressed model missed the fidelity guard ({@code --max-drop}, {@code --min-agreement}):
   * it was written as OUT.rejected.onnx, not OUT.onnx.
   */
  public static final int FIDELITY = 4;

  /**
   * The machine lacks a resource the run asked for: the device named by {@code --device}, or memory
   * (heap, native or device); the message names the setting to change.
   */
  public static final int RESOURCE = 5;

  private ExitCodes() {}

  /** The exit code for a failure: that of its {@link #kindOf kind}. */
  public static int of(Throwable t) {
    return of(kindOf(t));
  }

  /** The exit code for a kind of failure. */
  public static int of(Kind kind) {
    return switch (kind) {
      case BAD_INPUT -> BAD_INPUT;
      case UNSUPPORTED -> UNSUPPORTED;
      case RESOURCE -> RESOURCE;
      case NUMERICAL, RUNTIME, INTERNAL -> INTERNAL;
    };
  }

  /**
   * The kind of a failure: the first kind along the cause chain that the user can act on ({@link
   * Kind#BAD_INPUT}, {@link Kind#UNSUPPORTED} or {@link Kind#RESOURCE}), so that e.g. a runtime
   * failure caused by an unreadable file is bad input; else the outermost kind found; else {@link
   * Kind#INTERNAL}. JDK exceptions count as: {@link UnsupportedOperationException} unsupported;
   * {@link IllegalArgumentException}, {@link IOException} and {@link UncheckedIOException} bad
   * input.
   */
  public static Kind kindOf(Throwable t) {
    Kind outer = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      Kind k = ownKind(c);
      if (k == Kind.BAD_INPUT || k == Kind.UNSUPPORTED || k == Kind.RESOURCE) {
        return k;
      }
      if (outer == null) {
        outer = k;
      }
    }
    return outer == null ? Kind.INTERNAL : outer;
  }

  /** The kind of {@code c} itself, ignoring its cause, or null when it has none. */
  private static Kind ownKind(Throwable c) {
    if (c instanceof LowrankException l) {
      return l.kind();
    }
    if (c instanceof UnsupportedOperationException) {
      return Kind.UNSUPPORTED;
    }
    if (c instanceof IllegalArgumentException
        || c instanceof IOException
        || c instanceof UncheckedIOException) {
      return Kind.BAD_INPUT;
    }
    return null;
  }
}
