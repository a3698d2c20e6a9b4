package org.enclaveos.signer.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module picture of docs/architecture.md, as rules the build checks. Each rule names the modules
 * by their packages: common = the core packages, commands = {@code cli}, then image, prepare,
 * signoffline, attach and app (this launcher).
 */
class ArchitectureTest {
    private static final String ROOT = "org.enclaveos.signer";
    private static final String[] CORE = {ROOT + ".sgx..", ROOT + ".measure..", ROOT + ".sdk..", ROOT + ".elf..", ROOT + ".oe..", ROOT + ".crypto..",
        ROOT + ".io..", ROOT + ".layout..", ROOT + ".request..", ROOT + ".format..", ROOT + ".journal.."};
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages(ROOT);

    @Test
    void theCoreDependsOnNoCommandImageOrStep() {
        noClasses().that().resideInAnyPackage(CORE).or().resideInAPackage(ROOT)
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".cli..", ROOT + ".image..", ROOT + ".prepare..",
                        ROOT + ".signoffline..", ROOT + ".attach..", ROOT + ".app..", "picocli..")
                .check(PRODUCTION);
    }

    @Test
    void theAirGappedSideHasNoNetworkRegistryOrTarCode() {
        // sign-offline's jar: the core, the commands and the ceremony.
        noClasses().that().resideInAnyPackage(CORE).or().resideInAnyPackage(ROOT, ROOT + ".cli..", ROOT + ".signoffline..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".image..", ROOT + ".prepare..", ROOT + ".attach..",
                        ROOT + ".app..", "java.net.http..", "com.google.cloud.tools..", "org.apache.commons.compress..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.Socket")
                // A URL may name where the jar was loaded from (ToolVersion); it may not be opened.
                .orShould().callMethod(java.net.URL.class, "openConnection")
                .orShould().callMethod(java.net.URL.class, "openStream")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.HttpURLConnection")
                .check(PRODUCTION);
    }

    @Test
    void theStepsDoNotReachIntoEachOther() {
        noClasses().that().resideInAPackage(ROOT + ".image..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".prepare..", ROOT + ".signoffline..",
                        ROOT + ".attach..", ROOT + ".app..")
                .check(PRODUCTION);
        noClasses().that().resideInAnyPackage(ROOT + ".prepare..", ROOT + ".attach..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".signoffline..", ROOT + ".app..")
                .check(PRODUCTION);
        noClasses().that().resideInAPackage(ROOT + ".prepare..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".attach..")
                .check(PRODUCTION);
        noClasses().that().resideInAPackage(ROOT + ".attach..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".prepare..")
                .check(PRODUCTION);
    }

    @Test
    void noPackageCycles() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(PRODUCTION);
    }

    @Test
    void noMutableOrThreadLocalStatics() {
        // A public static mapper can be reconfigured by any caller; a ThreadLocal result is a hidden second
        // return value. Both were here once.
        fields().that().areStatic().and().arePublic().should().beFinal().check(PRODUCTION);
        fields().that().areStatic().and().arePublic()
                .should().notHaveRawType(com.fasterxml.jackson.databind.ObjectMapper.class).check(PRODUCTION);
        fields().should().notHaveRawType(ThreadLocal.class).check(PRODUCTION);
    }

    @Test
    void onlyCommandsReadTheEnvironment() {
        // SOURCE_DATE_EPOCH and the like are read where options are (commands, the runner: COLUMNS), and
        // passed down as values; the two
        // exceptions read variables whose names the user gave or docker defines.
        noClasses().that().doNotHaveSimpleName("Secrets").and().doNotHaveSimpleName("RegistryCredentials")
                .and().haveSimpleNameNotEndingWith("Command")
                .and().resideOutsideOfPackages(ROOT + ".cli", ROOT + ".app")
                .should().callMethod(System.class, "getenv", String.class)
                .orShould().callMethod(System.class, "getenv")
                .check(PRODUCTION);
    }

    @Test
    void noPackageIsSplitAcrossJars() {
        Map<String, Set<String>> homes = new TreeMap<>();
        for (JavaClass c : PRODUCTION) {
            String location = c.getSource().map(s -> s.getUri().toString()).orElse("?");
            // The module's root: a jar's path, or the classes directory before the package path.
            String root = location.contains("!") ? location.substring(0, location.indexOf('!'))
                    : location.substring(0, location.indexOf(c.getPackageName().replace('.', '/')));
            homes.computeIfAbsent(c.getPackageName(), p -> new TreeSet<>()).add(root);
        }
        Map<String, Set<String>> split = new TreeMap<>();
        homes.forEach((p, roots) -> {
            if (roots.size() > 1) {
                split.put(p, roots);
            }
        });
        assertEquals(Map.of(), split, "packages found in more than one module");
    }
}
