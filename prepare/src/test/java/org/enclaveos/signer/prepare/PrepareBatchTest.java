package org.enclaveos.signer.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.testing.CliRun;
import org.enclaveos.signer.testing.SgxsBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareBatchTest {
    @TempDir
    Path dir;

    @Test
    void runsEveryLineKeepsGoingPastABadOneAndSaysWhichFailed() throws Exception {
        ImageReference image = new ConvertedImageFixture().write(dir.resolve("oci"));
        Path sgxs = Files.write(dir.resolve("svc.sgxs"), new SgxsBuilder().ecreate(1, 0x4000).measuredPage(0, 0x100, 1).bytes());
        Path layout = Files.writeString(dir.resolve("layout.json"), """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x4000", "ssaFrameSize": 1},
             "ranges": [{"name": "tcs", "offset": 0, "pages": 1, "flags": "0x100"}]}
            """);
        Path batch = Files.writeString(dir.resolve("batch.jsonl"), String.join("\n",
                "{\"image\": \"" + image + "\", \"name\": \"app\", \"memoryModel\": \"all\", \"production\": true}",
                "{\"sgxs\": \"" + sgxs + "\", \"isvprodid\": \"0x10\", \"isvsvn\": 2}",
                "",
                "{\"mrenclave\": \"" + "ab".repeat(32) + "\", \"name\": \"bad\", \"isvprodid\": 70000, \"isvsvn\": 0}",
                "{\"layout\": \"" + layout + "\", \"isvprodid\": 1, \"isvsvn\": 1, \"date\": \"2026-01-01\"}") + "\n");
        CliRun r = CliRun.run(new PrepareCommand(), "--batch", batch.toString(), "--out", dir.resolve("req").toString(),
                "--jobs", "2", "--json", "--date", "2026-11-26");
        assertEquals(2, r.exitCode(), r::toString);
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(4, j.get("entries").asInt());
        assertEquals(1, j.get("failed").asInt());
        assertEquals(4, j.get("requests").asInt());
        assertTrue(r.err().contains(batch + " line 4 (--mrenclave"), r.err());
        assertTrue(r.err().contains("'70000' is outside 0..65535"), r.err());
        assertTrue(r.err().matches("(?s).*\\[line 1\\] pulling and measuring oci:.*"), r.err());
        assertTrue(r.err().matches("(?s).*\\[line 1\\] done in \\d+ ms: 2 request\\(s\\); read [0-9.]+ MB in [0-9.]+ s \\([0-9.]+ MB/s\\).*"),
                r.err());
        List<String> ids = RequestSet.load(List.of(dir.resolve("req"))).stream().map(RequestSet.Loaded::id).sorted().toList();
        assertEquals(List.of("app.sgx1", "app.sgx2", "layout.sgx1", "svc"), ids);
    }
}
