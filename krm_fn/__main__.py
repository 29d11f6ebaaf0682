from krm_fn.cli import main_entry

main_entry()
