/* variant: one capture backend whose descriptor is valid except for the one
 * defect its build selects (-DWRONG_MAJOR, -DBAD_NAME, ...); each defect is
 * built as its own plugin so the loader's refusal of it can be tested. */
#include "stubs.h"

#define PLUGIN_SIZE   sizeof(gh_plugin)
#define ABI_MAJOR     GH_PLUGIN_ABI_MAJOR
#define ABI_MINOR     GH_PLUGIN_ABI_MINOR
#define LICENSE       "MIT"
#define N_FACTORIES   1u
#define KIND          GH_BACKEND_CAPTURE
#define CREATE        stub_create
#define DESTROY       stub_destroy
#define OPS_SIZE      sizeof(gh_capture_ops)
#define GRAB          stub_grab

#if defined(WRONG_MAJOR)
#undef ABI_MAJOR
#define ABI_MAJOR     2u
#define BACKEND       "capture.wrong-major"
#elif defined(NEWER_MINOR)
#undef ABI_MINOR
#define ABI_MINOR     (GH_PLUGIN_ABI_MINOR + 1u)
#define BACKEND       "capture.newer-minor"
#elif defined(BAD_STRUCT_SIZE)
#undef PLUGIN_SIZE
#define PLUGIN_SIZE   8u
#define BACKEND       "capture.bad-struct-size"
#elif defined(ABSURD_STRUCT_SIZE)
#undef PLUGIN_SIZE
#define PLUGIN_SIZE   100000u
#define BACKEND       "capture.absurd-struct-size"
#elif defined(NO_FACTORIES)
#undef N_FACTORIES
#define N_FACTORIES   0u
#define BACKEND       "capture.no-factories"
#elif defined(NO_LICENSE)
#undef LICENSE
#define LICENSE       NULL
#define BACKEND       "capture.no-license"
#elif defined(MISSING_OP)
#undef GRAB
#define GRAB          NULL
#define BACKEND       "capture.missing-op"
#elif defined(OPS_TOO_SMALL)
#undef OPS_SIZE
#define OPS_SIZE      8u
#define BACKEND       "capture.small-ops"
#elif defined(BAD_KIND)
#undef KIND
#define KIND          7u
#define BACKEND       "capture.bad-kind"
#elif defined(BAD_NAME)
#define BACKEND       "capture.Screen Grab"
#elif defined(NO_DESTROY)
#undef DESTROY
#define DESTROY       NULL
#define BACKEND       "capture.no-destroy"
#elif defined(DUPLICATE)
#define BACKEND       "capture.good"     /* good.so has it */
#else
#error "variant.c: pick a defect"
#endif

static const gh_capture_ops ops = {
    .struct_size = OPS_SIZE,
    .version = GH_CAPTURE_OPS_VERSION,
    .grab = GRAB,
};

static const gh_backend_factory factory = {
    .struct_size = sizeof(gh_backend_factory),
    .kind = KIND,
    .name = BACKEND,
    .description = "a test plugin with one defect",
    .create = CREATE,
    .destroy = DESTROY,
    .capture = &ops,
};

static const gh_backend_factory *const factories[] = { &factory };

static const gh_plugin plugin = {
    .struct_size = PLUGIN_SIZE,
    .abi_major = ABI_MAJOR,
    .abi_minor = ABI_MINOR,
    .n_factories = N_FACTORIES,
    .name = BACKEND,
    .version = "1",
    .license = LICENSE,
    .factories = factories,
};

GH_PLUGIN_DEFINE(plugin)
