package org.enclaveos.signer.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.junit.jupiter.api.Test;

/** Who takes which line, where the shard comes from, and the values refused. */
class ShardTest {
    @Test
    void everyLineIsTakenByExactlyOneShard() {
        for (int n = 1; n <= 5; n++) {
            for (int line = 0; line < 40; line++) {
                int l = line;
                int count = n;
                assertEquals(1, IntStream.range(0, n).filter(i -> new Shard(i, count).takes(l)).count());
            }
        }
        assertEquals(List.of(1, 4, 7), IntStream.range(0, 9).filter(new Shard(1, 3)::takes).boxed().toList());
    }

    @Test
    void theOptionWinsOverTheIndexedJobsVariablesWhichNeedBoth() {
        Map<String, String> job = Map.of("JOB_COMPLETION_INDEX", "4", "JOB_COMPLETIONS", "8");
        assertEquals(Optional.of(new Shard(1, 2)), Shard.of("1/2", job));
        assertEquals(Optional.of(new Shard(4, 8)), Shard.of(null, job));
        assertEquals(Optional.empty(), Shard.of(null, Map.of("JOB_COMPLETION_INDEX", "4")));
        assertEquals(Optional.empty(), Shard.of(null, Map.of()));
        assertEquals("4/8", new Shard(4, 8).toString());
    }

    @Test
    void badValuesAreUsageErrorsNamingTheirSource() {
        for (String bad : new String[] {"3/3", "-1/3", "0/0", "1", "a/b", "1/2/3"}) {
            SignerException e = assertThrows(SignerException.class, () -> Shard.parse(bad), bad);
            assertEquals(ErrorKind.USAGE, e.kind());
        }
        assertTrue(assertThrows(SignerException.class, () -> Shard.parse("a/b")).getMessage()
                .contains("--shard a/b: expected I/N"));
        assertTrue(assertThrows(SignerException.class, () -> Shard.of(null, Map.of("JOB_COMPLETION_INDEX", "x",
                "JOB_COMPLETIONS", "3"))).getMessage().contains("JOB_COMPLETION_INDEX=x, JOB_COMPLETIONS=3: expected two numbers"));
        assertTrue(assertThrows(SignerException.class, () -> new Shard(3, 3)).getMessage()
                .contains("shard 3/3: give I/N with 0 <= I < N"));
    }
}
