def main(out):
    pass
