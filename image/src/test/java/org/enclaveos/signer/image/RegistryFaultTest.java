package org.enclaveos.signer.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Sigstruct;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fault-injecting proxy on 127.0.0.1 in front of a real registry. */
class RegistryFaultTest {
    @TempDir
    Path dir;

    /** The fixture image in a real registry on 127.0.0.1 as team/app:1.0, a fault proxy in front of it. */
    private record Proxied(ConvertedImageFixture fixture, String middle, LocalRegistry registry, FaultProxy proxy)
            implements AutoCloseable {
        /** team/app:1.0 through the proxy. */
        ImageReference viaProxy() {
            return ImageReference.parse("docker://" + proxy.host() + "/team/app:1.0");
        }

        @Override
        public void close() {
            proxy.close();
            registry.close();
        }
    }

    /** A one-second registry timeout, so that a stall is found quickly. */
    private static final RegistryClient.Options ONE_SECOND = new RegistryClient.Options(Set.of(), Optional.empty(),
            Duration.ofSeconds(1));

    /** Measuring {@code reference} with {@link #ONE_SECOND} fails, within 30 s, with a registry error. */
    private static SignerException measureFailsWithOneSecondTimeout(ImageReference reference) {
        ResolvedImage image = ResolvedImage.open(reference, null, ONE_SECOND);
        SignerException e = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertThrows(SignerException.class,
                () -> ImageMeasure.measure(image, EnumSet.of(MemoryModel.SGX1), 1 << 20)));
        assertEquals(ErrorKind.REGISTRY, e.kind(), e::getMessage);
        return e;
    }

    /** {@code middle}: the digest of the layer holding the layouts, the one the faults aim at. */
    private Proxied proxied() throws Exception {
        ConvertedImageFixture f = new ConvertedImageFixture();
        ImageReference local = f.write(dir.resolve("oci"));
        String middle = ResolvedImage.open(local, null).layers().get(1).digest();
        LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"), null);
        try {
            registry.push(local, "team/app:1.0", null);
            return new Proxied(f, middle, registry, new FaultProxy(registry.host));
        } catch (Exception | Error e) {
            registry.close();
            throw e;
        }
    }

    @Test
    void transientFaultsAreRetriedCorruptionIsRefusedAndAFailedPushLeavesNoTag() throws Exception {
        try (Proxied setup = proxied()) {
            ConvertedImageFixture f = setup.fixture();
            LocalRegistry registry = setup.registry();
            FaultProxy proxy = setup.proxy();
            String middle = setup.middle();
            ImageReference viaProxy = setup.viaProxy();

            // Two 503s on the manifest and a connection dropped half-way through the layout's layer.
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STATUS, "GET", p -> p.contains("/manifests/"), 503));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STATUS, "GET", p -> p.contains("/manifests/"), 503));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.DROP, "GET", p -> p.endsWith(middle), 0));
            ResolvedImage image = ResolvedImage.open(viaProxy, null);
            Map<MemoryModel, ImageMeasure.Result> r = ImageMeasure.measure(image, EnumSet.of(MemoryModel.SGX1), 1 << 20);
            assertEquals(f.sgx1Signature.mrenclave(), r.get(MemoryModel.SGX1).mrenclave());
            assertEquals(3, proxy.injected.get(), "every fault was met and survived");

            // A registry that returns other bytes for a digest is refused, not retried into acceptance.
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.CORRUPT, "GET", p -> p.endsWith(middle), 0));
            SignerException corrupt = assertThrows(SignerException.class, () -> ImageMeasure.measure(
                    ResolvedImage.open(viaProxy, null), EnumSet.of(MemoryModel.SGX1), 1 << 20));
            assertEquals(ErrorKind.INTEGRITY, corrupt.kind());
            assertTrue(corrupt.getMessage().contains("hashes to"), corrupt.getMessage());

            // A push whose manifest PUT keeps failing: the blobs may be there, the tag is not; a rerun succeeds.
            Sigstruct ours = f.sgx1Signature.unsigned().toBuilder().isvSvn(9).build();
            byte[] config = ImageRewrite.config(image.configBytes(), Map.of(MemoryModel.SGX1, Optional.of(ours)));
            for (int i = 0; i < RegistryClient.ATTEMPTS; i++) {
                proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STATUS, "PUT", p -> p.contains("/manifests/"), 500));
            }
            ImageReference target = ImageReference.parse("docker://" + proxy.host() + "/team/app-signed:1.0");
            SignerException failed = assertThrows(SignerException.class,
                    () -> ImageWriter.write(image, config, target, RegistryClient.Options.defaults()));
            assertEquals(ErrorKind.REGISTRY, failed.kind());
            assertTrue(failed.getMessage().contains("HTTP 500 (after 4 attempts)"), failed.getMessage());
            ImageReference direct = ImageReference.parse("docker://" + registry.host + "/team/app-signed:1.0");
            SignerException noTag = assertThrows(SignerException.class, () -> ResolvedImage.open(direct, null));
            assertTrue(noTag.getMessage().contains("not found"), noTag.getMessage());

            ImageWriter.Written ok = ImageWriter.write(image, config, target, RegistryClient.Options.defaults());
            assertEquals(ok.manifestDigest(), ResolvedImage.open(direct, null).manifestDigest());
        }
    }

    @Test
    void anAnswerPastTheTimeoutAndABodyThatGoesSilentAreRetriedThenReported() throws Exception {
        try (Proxied setup = proxied()) {
            ConvertedImageFixture f = setup.fixture();
            LocalRegistry registry = setup.registry();
            FaultProxy proxy = setup.proxy();
            String middle = setup.middle();
            ImageReference viaProxy = setup.viaProxy();

            // Headers 3 s late (past the 1 s timeout), then a layer body that stops half-way for 3 s.
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.SLOW_HEADERS, "GET", p -> p.contains("/manifests/"), 0, 3000));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STALL, "GET", p -> p.endsWith(middle), 0, 3000));
            Map<MemoryModel, ImageMeasure.Result> r = assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                    ImageMeasure.measure(ResolvedImage.open(viaProxy, null, ONE_SECOND), EnumSet.of(MemoryModel.SGX1), 1 << 20));
            assertEquals(f.sgx1Signature.mrenclave(), r.get(MemoryModel.SGX1).mrenclave());
            assertEquals(2, proxy.injected.get(), "both faults were met and survived");

            // Pushing: a blob check and the manifest PUT answered past the timeout are sent again.
            ResolvedImage source = ResolvedImage.open(viaProxy, null, ONE_SECOND);
            byte[] config = ImageRewrite.config(source.configBytes(),
                    Map.of(MemoryModel.SGX1, Optional.of(f.sgx1Signature.unsigned().toBuilder().isvSvn(7).build())));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.SLOW_HEADERS, "HEAD", p -> p.contains("/blobs/"), 0, 3000));
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.SLOW_HEADERS, "PUT", p -> p.contains("/manifests/"), 0, 3000));
            ImageReference target = ImageReference.parse("docker://" + proxy.host() + "/team/app-signed:2.0");
            ImageWriter.Written pushed = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> ImageWriter.write(source, config, target, ONE_SECOND));
            assertEquals(4, proxy.injected.get());
            ImageReference direct = ImageReference.parse("docker://" + registry.host + "/team/app-signed:2.0");
            assertEquals(pushed.manifestDigest(), ResolvedImage.open(direct, null).manifestDigest());

            // A layer that goes silent for a minute every time: a clear error in bounded time, not a hang.
            for (int i = 0; i < 10; i++) {
                proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STALL, "GET", p -> p.endsWith(middle), 0, 60_000));
            }
            SignerException stalled = measureFailsWithOneSecondTimeout(viaProxy);
            assertTrue(stalled.getMessage().contains("blob " + middle + ": no data for 1.0 s"), stalled.getMessage());
        }
    }

    /**
     * A layer that goes silent once, then has its connection cut twice: the error names the last failure
     * and the stall before it. Reporting only the last one (the JDK's bare "closed") hid the stall.
     */
    @Test
    void aLayerThatFailsEveryAttemptIsReportedWithEachDifferentReason() throws Exception {
        try (Proxied setup = proxied()) {
            FaultProxy proxy = setup.proxy();
            String middle = setup.middle();
            ImageReference viaProxy = setup.viaProxy();
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STALL, "GET", p -> p.endsWith(middle), 0, 3000));
            for (int i = 1; i < LayerScanner.LAYER_ATTEMPTS; i++) {
                proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.DROP, "GET", p -> p.endsWith(middle), 0));
            }
            SignerException failed = measureFailsWithOneSecondTimeout(viaProxy);
            String m = failed.getMessage();
            assertTrue(m.startsWith(viaProxy + ": layer " + middle + ", after " + LayerScanner.LAYER_ATTEMPTS + " attempts: "), m);
            assertTrue(m.contains("; before that: " + proxy.host() + ": blob " + middle + ": no data for 1.0 s"), m);
            assertEquals(LayerScanner.LAYER_ATTEMPTS, proxy.injected.get(), "every attempt met its fault");
        }
    }

    /** {@code --registry-timeout} reaches the registry client: a stalled layer is cut after 1 s, not 60. */
    @Test
    void theRegistryTimeoutOptionIsTheOneUsed() throws Exception {
        try (Proxied setup = proxied()) {
            ConvertedImageFixture f = setup.fixture();
            FaultProxy proxy = setup.proxy();
            String middle = setup.middle();
            proxy.inject(new FaultProxy.Fault(FaultProxy.Kind.STALL, "GET", p -> p.endsWith(middle), 0, 60_000));
            // Through the command line, as a user types it: the option is parsed, not built by the test.
            // With the default (60 s) the stalled layer would outlast the 30 s this test allows.
            org.enclaveos.signer.cli.CliRun r = assertTimeoutPreemptively(Duration.ofSeconds(30),
                    () -> org.enclaveos.signer.cli.CliRun.run(new org.enclaveos.signer.image.cli.ImageMeasureCommand(),
                            "docker://" + proxy.host() + "/team/app:1.0", "--memory-model", "sgx1", "--registry-timeout", "1"));
            assertEquals(0, r.exitCode(), r::toString);
            assertTrue(r.out().startsWith(f.sgx1Signature.mrenclave().hex()), r.out());
            assertEquals(1, proxy.injected.get());
        }
    }
}
