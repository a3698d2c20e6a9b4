package org.enclaveos.signer.prepare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.enclaveos.signer.image.ConvertedImageFixture;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.LocalRegistry;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrepareImageTest {
    @TempDir
    Path dir;

    CliRun prepare(String image, String... extra) {
        String[] args = new String[extra.length + 5];
        args[0] = image;
        args[1] = "--out";
        args[2] = dir.resolve("requests").toString();
        args[3] = "--date";
        args[4] = "2026-11-26";
        System.arraycopy(extra, 0, args, 5, extra.length);
        return CliRun.run(new PrepareCommand(), args);
    }

    List<RequestSet.Loaded> requests() {
        return RequestSet.load(List.of(dir.resolve("requests")));
    }

    @Test
    void bothLayoutsFromARegistryGiveTheConvertersMrenclaves() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null)) {
            registry.push(local, "team/app:1.0", null);
            String ref = "docker://" + registry.host + "/team/app:1.0";
            CliRun r = prepare(ref, "--memory-model", "all", "--production", "--target", registry.host + "/team/app:1.0-signed");
            assertEquals(0, r.exitCode(), r::toString);
            List<RequestSet.Loaded> reqs = requests();
            assertEquals(2, reqs.size());
            SigningRequest sgx1 = reqs.stream().filter(l -> l.id().equals("app-1.0.sgx1")).findFirst().orElseThrow().request();
            SigningRequest sgx2 = reqs.stream().filter(l -> l.id().equals("app-1.0.sgx2")).findFirst().orElseThrow().request();
            assertEquals(f.sgx1Signature.mrenclave().hex(), sgx1.mrenclave());
            assertEquals(f.sgx2Signature.mrenclave().hex(), sgx2.mrenclave());
            assertTrue(sgx1.converter().matches());
            assertEquals("measured-sgxs", sgx1.mrenclaveSource());
            assertEquals("measured-layout", sgx2.mrenclaveSource());
            assertEquals(ref, sgx1.source().reference());
            assertTrue(sgx1.source().manifestDigest().startsWith("sha256:"));
            assertEquals("/enclave/app.sgxs", sgx1.layout().path());
            assertEquals(7, sgx1.unsigned().isvProdId(), "kept from the converter's signature");
            assertEquals(1, sgx1.unsigned().isvSvn());
            assertFalse(sgx1.unsigned().debug());
        }
    }

    @Test
    void theDefaultIsSgx1WithTheOriginalToolsWarning() throws IOException {
        ImageReference local = new ConvertedImageFixture().write(dir.resolve("oci"));
        CliRun r = prepare(local.toString(), "--name", "app");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("warning: no --memory-model given: preparing sgx1 only; this default may change"), r.err());
        assertTrue(r.err().contains("app.sgx1 is a DEBUG request"), r.err());
        assertEquals(List.of("app.sgx1"), requests().stream().map(RequestSet.Loaded::id).toList());
    }

    @Test
    void aTamperedLayoutIsRefusedUnlessTheMeasurementIsTrusted() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        f.tamperSgx1Layout = true;
        ImageReference local = f.write(dir.resolve("oci"));
        CliRun r = prepare(local.toString(), "--memory-model", "sgx1", "--name", "app");
        assertEquals(8, r.exitCode(), r::toString);
        assertTrue(r.lastErrLine().contains("sgx1: the layout /enclave/app.sgxs measures "), r.err());
        assertTrue(r.lastErrLine().contains("but the converter's signature says " + f.sgx1Signature.mrenclave()), r.err());
        assertFalse(Files.exists(dir.resolve("requests")), "nothing written");

        CliRun trusted = prepare(local.toString(), "--memory-model", "sgx1", "--name", "app", "--trust-measurement");
        assertEquals(0, trusted.exitCode(), trusted::toString);
        SigningRequest req = requests().get(0).request();
        assertFalse(req.converter().matches());
        assertEquals(f.sgx1Signature.mrenclave().hex(), req.converter().mrenclave());
    }

    @Test
    void aPlainDataShieldImageFallsBackToTheConvertersMrenclave() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        f.withoutLayoutLabels = true;
        ImageReference local = f.write(dir.resolve("oci"));
        CliRun r = prepare(local.toString(), "--memory-model", "all", "--name", "app");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("warning: sgx1: the image has no layout label org.enclaveos.layout.sgx1; using the "
                + "converter's MRENCLAVE"), r.err());
        for (RequestSet.Loaded l : requests()) {
            assertEquals("converter-signature", l.request().mrenclaveSource());
        }
    }

    /** Issue 13, item 9: nothing re-measured the enclave, so a production request needs --allow-unmeasured. */
    @Test
    void aProductionRequestForAnUnmeasuredImageNeedsAllowUnmeasured() throws IOException {
        ConvertedImageFixture f = new ConvertedImageFixture();
        f.withoutLayoutLabels = true;
        ImageReference local = f.write(dir.resolve("oci"));
        CliRun refused = prepare(local.toString(), "--memory-model", "sgx1", "--name", "app", "--production");
        assertEquals(7, refused.exitCode(), refused::toString);
        assertTrue(refused.lastErrLine().contains("sgx1: the image has no layout label org.enclaveos.layout.sgx1, so its "
                + "MRENCLAVE cannot be re-measured; a production request needs --allow-unmeasured"), refused.err());
        assertFalse(Files.exists(dir.resolve("requests")), "nothing written");
        CliRun allowed = prepare(local.toString(), "--memory-model", "sgx1", "--name", "app", "--production",
                "--allow-unmeasured");
        assertEquals(0, allowed.exitCode(), allowed::toString);
        assertEquals("converter-signature", requests().get(0).request().mrenclaveSource());
    }
}
