/* gamehost-agent's entry point; the program is agent.c. */
#include "agent.h"

int
main(int argc, char **argv)
{
    return agent_main(argc, argv);
}
