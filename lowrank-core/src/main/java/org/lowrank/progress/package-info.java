/** Progress reporting from library code to whoever drives it (the CLI draws bars on stderr). */
package org.lowrank.progress;
